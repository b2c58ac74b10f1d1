import { AGENT_CLIS } from '@flightdeck/shared-types';
import { createResource, createSignal, For, type JSX, onCleanup, Show } from 'solid-js';
import { NewAgentButton } from '../components/LaunchForm.js';
import { INITIAL_SIZE, type TerminalInfo } from '../data/terminals.js';
import type { Api } from '../data/types.js';
import { formatDateTime } from '../lib/format.js';
import { exitWords } from '../lib/terminal-feed.js';

const REFRESH_MS = 3000;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** What runs in it, in words: "shell in ~/src/app", "claude in …", "tmux %3". */
export function terminalWhat(t: TerminalInfo): string {
  if (t.kind === 'tmux') return `tmux ${t.tmuxTarget ?? ''}`.trim();
  const what = t.command ?? 'shell';
  const where = t.host ? ` on ${t.host}` : '';
  return t.cwd ? `${what} in ${t.cwd}${where}` : `${what}${where}`;
}

/** "New terminal": a shell (or a CLI agent) in a directory on this machine. */
function NewTerminalForm(props: { api: Api; onCreated: (t: TerminalInfo) => void }): JSX.Element {
  const [cwd, setCwd] = createSignal('');
  const [program, setProgram] = createSignal<'shell' | (typeof AGENT_CLIS)[number]>('shell');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const dir = cwd().trim();
      const t = await props.api.createTerminal({
        kind: 'local',
        ...(dir ? { cwd: dir } : {}),
        ...(program() !== 'shell' ? { command: program() } : {}),
        ...INITIAL_SIZE,
      });
      props.onCreated(t);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel term-new" onSubmit={submit} aria-labelledby="term-new-title">
      <h2 id="term-new-title">New terminal</h2>
      <div class="term-new__fields">
        <label>
          Directory
          <input
            name="cwd"
            placeholder="home directory"
            value={cwd()}
            onInput={(e) => setCwd(e.currentTarget.value)}
          />
        </label>
        <label>
          Run
          <select
            name="program"
            value={program()}
            onChange={(e) => setProgram(e.currentTarget.value as 'shell')}
          >
            <option value="shell">Shell</option>
            <For each={AGENT_CLIS}>{(cli) => <option value={cli}>{cli}</option>}</For>
          </select>
        </label>
        <button type="submit" class="btn btn--primary" disabled={busy()}>
          {busy() ? 'Opening…' : 'Open terminal'}
        </button>
      </div>
      <Show when={error()}>
        <p class="term__notice" role="alert">
          {error()}
        </p>
      </Show>
    </form>
  );
}

/** `#/terminals`: the open terminals (running or exited), open and close them, "New terminal". */
export function TerminalsView(props: {
  api: Api;
  onOpen: (terminalId: string) => void;
  onOpenSession: (sessionId: string) => void;
}): JSX.Element {
  const [list, { refetch }] = createResource(() => props.api.terminals());
  const timer = setInterval(() => void refetch(), REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  const [error, setError] = createSignal<string | null>(null);
  const close = (id: string) =>
    props.api
      .closeTerminal(id)
      .then(() => refetch())
      .catch((e) => setError(errText(e)));
  return (
    <div class="terminals">
      <div class="page-head">
        <h1 class="page-title">Terminals</h1>
        <NewAgentButton api={props.api} onOpenTerminal={props.onOpen} />
      </div>
      <NewTerminalForm api={props.api} onCreated={(t) => props.onOpen(t.id)} />
      <section class="panel" aria-labelledby="term-list-title">
        <h2 id="term-list-title">Open terminals</h2>
        <Show when={error()}>
          <p class="term__notice" role="alert">
            {error()}
          </p>
        </Show>
        <Show when={list.error && !list.latest}>
          <p class="term__notice" role="alert">
            Cannot list the terminals: {errText(list.error)}
          </p>
        </Show>
        <Show when={list.latest?.length === 0}>
          <p class="muted">No terminal is open. Open one above, or from a session running in tmux.</p>
        </Show>
        <ul class="term-list">
          <For each={list.latest ?? []}>
            {(t) => (
              <li class="term-list__item" data-terminal-id={t.id}>
                <a class="term-list__title" href={`#/terminals/${encodeURIComponent(t.id)}`}>
                  {t.title}
                </a>
                <span class="muted">{terminalWhat(t)}</span>
                <span class={exitWords(t.exit) ? 'term__exit' : 'chip chip--ok'}>
                  {exitWords(t.exit) ?? 'running'}
                </span>
                <span class="muted">
                  {t.cols}×{t.rows} · {t.viewers} viewer{t.viewers === 1 ? '' : 's'} · opened{' '}
                  {formatDateTime(t.createdAt)}
                </span>
                <Show when={t.sessionId}>
                  {(sid) => (
                    <button
                      type="button"
                      class="btn btn--ghost btn--small"
                      onClick={() => props.onOpenSession(sid())}
                    >
                      Session
                    </button>
                  )}
                </Show>
                <span class="term-list__actions">
                  <button type="button" class="btn btn--small" onClick={() => props.onOpen(t.id)}>
                    Open
                  </button>
                  <button type="button" class="btn btn--small btn--danger-ghost" onClick={() => close(t.id)}>
                    Close
                  </button>
                </span>
              </li>
            )}
          </For>
        </ul>
      </section>
    </div>
  );
}
