import { createSignal, type JSX, onCleanup, Show } from 'solid-js';
import type { ImportApi, ImportProgress } from '../data/import.js';
import { errText, formatNumber, plural } from '../lib/format.js';
import { formatBytes } from './StoragePanel.js';

function timeLeft(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Settings → Import history: imports past sessions (`import.start`) and follows the server's progress
 * (`import.status`, polled while it runs): files, sessions, MB, rate and time left.
 */
export function ImportPanel(props: {
  api: ImportApi;
  pollMs?: number;
  /** `sessionRetentionHours`: said before importing, since imported conversations older than it are pruned. */
  retentionHours?: number | null;
}): JSX.Element {
  const [p, setP] = createSignal<ImportProgress | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    try {
      const next = await props.api.importStatus();
      setP(next);
      if (next.state === 'running') timer = setTimeout(poll, props.pollMs ?? 500);
    } catch (err) {
      setError(errText(err));
    }
  };
  // an import started elsewhere (`flightdeck import`, another tab) shows too
  void poll();
  onCleanup(() => clearTimeout(timer));
  const start = async () => {
    setError(null);
    try {
      setP(await props.api.importStart());
      clearTimeout(timer);
      timer = setTimeout(poll, props.pollMs ?? 500);
    } catch (err) {
      setError(errText(err));
    }
  };
  const running = () => p()?.state === 'running';
  return (
    <section class="panel" aria-labelledby="import-title" data-testid="import-panel">
      <h2 id="import-title">Import history</h2>
      <p class="muted">
        Past Claude Code sessions from <code>~/.claude/projects</code>, Codex rollouts from{' '}
        <code>~/.codex/sessions</code> and Gemini CLI chats from <code>~/.gemini/tmp</code> become ended
        sessions in History, searchable and counted in Analytics. Safe to run again: what was imported is
        skipped, an interrupted import goes on where it stopped. Gemini CLI's older <code>.json</code> chats
        are counted, not imported.
      </p>
      <Show when={props.retentionHours}>
        {(h) => (
          <p class="muted" data-testid="import-retention">
            Retention keeps conversations for {h()} h: imported sessions older than that keep their title,
            counts and usage, but their prompts, replies and tool calls leave full-text search at the next
            retention pass. Raise <code>sessionRetentionHours</code> in the config to keep them searchable.
          </p>
        )}
      </Show>
      <button type="button" class="btn" disabled={running()} onClick={() => void start()}>
        {running() ? 'Importing…' : 'Import history'}
      </button>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={p() && p()?.state !== 'idle' ? p() : null}>
        {(x) => (
          <div data-testid="import-progress">
            <progress
              max={Math.max(1, x().bytesTotal)}
              value={x().state === 'running' ? x().bytesDone : Math.max(1, x().bytesTotal)}
              aria-label="Import progress"
              style={{ width: '100%' }}
            />
            <p data-testid="import-figures">
              Files {formatNumber(x().filesDone)}/{formatNumber(x().filesTotal)} ·{' '}
              {plural(x().sessions, 'session')} · {formatBytes(x().bytesDone)} of{' '}
              {formatBytes(x().bytesTotal)} · {formatBytes(x().rate)}/s · left{' '}
              {x().state === 'running' ? timeLeft(x().etaMs) : '0:00'}
            </p>
            <Show when={x().state !== 'running'}>
              <p data-testid="import-summary">
                {x().state === 'done' ? 'Done' : x().state === 'aborted' ? 'Stopped' : 'Failed'}:{' '}
                {plural(x().sessions, 'session')} imported, {formatNumber(x().filesUnchanged)} already
                imported
                {x().filesLive > 0 ? `, ${formatNumber(x().filesLive)} live left alone` : ''}.
                {x().error ? ` ${x().error}` : ''}
              </p>
            </Show>
          </div>
        )}
      </Show>
    </section>
  );
}
