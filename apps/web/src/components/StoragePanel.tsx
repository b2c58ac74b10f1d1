import { createResource, For, type JSX, Show } from 'solid-js';
import type { Api } from '../data/types.js';
import { formatDateTime, formatNumber, plural } from '../lib/format.js';

/** 1536 → "1.5 KB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 100 ? 1 : 0)} ${units[i]}`;
}

const TABLE_LABELS: Record<string, string> = {
  prompts: 'Prompts',
  responses: 'Responses',
  tool_calls: 'Tool calls',
  events: 'Lifecycle events',
  hook_events: 'Raw hook events',
};

/** Settings → Storage: the database's size, the retention settings and what the next pass would free. */
export function StoragePanel(props: { api: Pick<Api, 'storage'> }): JSX.Element {
  const [info, { refetch }] = createResource(() => props.api.storage());
  return (
    <section class="panel" aria-labelledby="storage-title" data-testid="storage-panel">
      <h2 id="storage-title">Storage and retention</h2>
      <Show when={info.error}>
        <p class="error" role="alert">
          {String((info.error as Error)?.message ?? info.error)}
        </p>
      </Show>
      <Show when={info()}>
        {(s) => (
          <>
            <p>
              Database:{' '}
              <strong data-testid="db-size">
                {s().databaseBytes === null ? 'in memory' : formatBytes(s().databaseBytes as number)}
              </strong>{' '}
              · {plural(s().sessionsStored, 'session')} stored, {formatNumber(s().sessionsInMemory)} on the
              board
            </p>
            <p class="muted">
              Prompts, tool calls and raw events older than {s().settings.sessionRetentionHours} h are deleted
              hourly (raw events after {s().settings.hookEventRetentionDays} days at most); an ended session
              leaves the board {s().settings.endedSessionMemoryMinutes} min after it ended and stays in
              History.
            </p>
            <p data-testid="prunable">
              Retention would free about <strong>{formatBytes(s().prunable.prunableBytes)}</strong> (
              {formatNumber(s().prunable.prunableRows)} rows) at its next pass.
            </p>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Rows</th>
                  <th scope="col">Past retention</th>
                </tr>
              </thead>
              <tbody>
                <For each={Object.entries(s().prunable.tables)}>
                  {([table, t]) => (
                    <tr>
                      <td>{TABLE_LABELS[table] ?? table}</td>
                      <td>{formatNumber(t.rows)}</td>
                      <td>
                        {formatNumber(t.prunableRows)} ({formatBytes(t.prunableBytes)})
                      </td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <p class="muted">
              <Show when={s().lastPass} fallback="No retention pass yet.">
                {(p) => (
                  <>
                    Last pass {formatDateTime(p().at)}: {formatNumber(p().hookEvents)} raw events,{' '}
                    {formatNumber(Object.values(p().conversation).reduce((a, b) => a + b, 0))} conversation
                    rows deleted, {formatNumber(p().evicted)} sessions left the board.
                  </>
                )}
              </Show>{' '}
              Freed space is reused by the database; the file does not shrink.
            </p>
            <button type="button" onClick={() => void refetch()}>
              Refresh
            </button>
          </>
        )}
      </Show>
    </section>
  );
}
