import { QUEUE_MAX_ITEMS, queueTextProblem } from '@flightdeck/shared-types';
import { createEffect, createSignal, For, type JSX, on, Show } from 'solid-js';
import { moved, type QueueApi, type QueuedPrompt, type QueueView } from '../data/queue.js';

export interface PromptQueueProps {
  session: {
    sessionId: string;
    terminalId: string | null;
    status: string;
    queueCount: number;
    queueNote: string | null;
  };
  /** Without it (a page without a server) the panel shows nothing. */
  api?: QueueApi;
}

/** A server refusal as one line (a zod refusal comes as JSON: its messages). */
function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  try {
    const issues = JSON.parse(msg) as Array<{ message?: string; path?: unknown[] }>;
    if (Array.isArray(issues))
      return issues.map((i) => `${(i.path ?? []).join('.')}: ${i.message}`).join('; ');
  } catch {
    // not JSON
  }
  return msg;
}

/**
 * The session's prompt queue (issue 16): prompts typed into its Flightdeck terminal one at a time, when the agent
 * waits for input. Add, edit, delete, move up and down. The list is fetched again whenever the card's count or
 * note changes (the live stream), and taken from each change's answer.
 */
export function PromptQueuePanel(props: PromptQueueProps): JSX.Element {
  const [view, setView] = createSignal<QueueView | null>(null);
  const [draft, setDraft] = createSignal('');
  const [editing, setEditing] = createSignal<{ id: string; text: string } | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const sid = () => props.session.sessionId;

  createEffect(
    on(
      () =>
        [sid(), props.session.queueCount, props.session.queueNote, props.session.status, props.api] as const,
      ([id, , , , api]) => {
        if (!api) return;
        api
          .queueList(id)
          .then((v) => {
            if (v.sessionId === sid()) setView(v);
          })
          .catch((err) => setError(errorText(err)));
      },
    ),
  );

  const run = async (f: (api: QueueApi) => Promise<QueueView>): Promise<boolean> => {
    if (!props.api) return false;
    setBusy(true);
    setError(null);
    try {
      setView(await f(props.api));
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const items = () => view()?.items ?? [];
  const canQueue = () => props.session.terminalId !== null && props.session.status !== 'ended';
  const add = async (e: Event) => {
    e.preventDefault();
    const text = draft();
    const problem = queueTextProblem(text);
    if (problem) return setError(`Prompt: ${problem}`);
    if (await run((api) => api.queueAdd(sid(), text))) setDraft('');
  };
  const save = async (item: QueuedPrompt) => {
    const text = editing()?.text ?? item.text;
    const problem = queueTextProblem(text);
    if (problem) return setError(`Prompt: ${problem}`);
    if (await run((api) => api.queueUpdate(sid(), item.id, text))) setEditing(null);
  };
  const move = (index: number, delta: -1 | 1) => {
    const ids = moved(items(), index, delta);
    if (ids) void run((api) => api.queueReorder(sid(), ids));
  };

  return (
    <Show when={props.api}>
      <section class="queue" aria-label="Prompt queue" data-testid="prompt-queue">
        <h3 class="queue__title">
          Prompt queue <span class="queue__count">{items().length}</span>
        </h3>
        <Show when={view()?.note ?? props.session.queueNote}>
          {(note) => (
            <p class="queue__note" role="status" data-testid="queue-note">
              {note()}
            </p>
          )}
        </Show>
        <Show when={props.session.terminalId === null}>
          <p class="muted">
            Prompts can be queued for a session running in a Flightdeck terminal: each is typed in when the
            agent finishes a turn.
          </p>
        </Show>
        <ol class="queue__items">
          <For each={items()}>
            {(item, i) => (
              <li class="queue__item" data-testid="queue-item" data-state={item.state}>
                <Show when={editing()?.id === item.id} fallback={<pre class="queue__text">{item.text}</pre>}>
                  <textarea
                    class="queue__edit"
                    aria-label="Edit queued prompt"
                    value={editing()?.text ?? ''}
                    onInput={(e) => setEditing({ id: item.id, text: e.currentTarget.value })}
                  />
                  <button type="button" class="btn btn--small" disabled={busy()} onClick={() => save(item)}>
                    Save
                  </button>
                  <button type="button" class="btn btn--small" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </Show>
                <div class="queue__actions">
                  <Show when={item.state === 'sent'}>
                    <span class="chip" title="Typed into the terminal; removed when the agent takes it">
                      typed in
                    </span>
                  </Show>
                  <button
                    type="button"
                    class="btn btn--small"
                    aria-label="Move up"
                    disabled={busy() || moved(items(), i(), -1) === null}
                    onClick={() => move(i(), -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    class="btn btn--small"
                    aria-label="Move down"
                    disabled={busy() || moved(items(), i(), 1) === null}
                    onClick={() => move(i(), 1)}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    class="btn btn--small"
                    disabled={busy() || item.state === 'sent' || editing() !== null}
                    onClick={() => setEditing({ id: item.id, text: item.text })}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    class="btn btn--small btn--danger"
                    disabled={busy()}
                    onClick={() => run((api) => api.queueRemove(sid(), item.id))}
                  >
                    Delete
                  </button>
                </div>
              </li>
            )}
          </For>
        </ol>
        <Show when={canQueue()}>
          <form class="queue__form" onSubmit={add}>
            <textarea
              class="queue__draft"
              aria-label="Prompt to queue"
              placeholder="Typed in when the agent finishes its turn"
              value={draft()}
              onInput={(e) => setDraft(e.currentTarget.value)}
            />
            <button
              type="submit"
              class="btn"
              disabled={busy() || draft().trim() === '' || items().length >= QUEUE_MAX_ITEMS}
            >
              Queue prompt
            </button>
          </form>
        </Show>
        <Show when={error()}>
          {(e) => (
            <p class="queue__error" role="alert">
              {e()}
            </p>
          )}
        </Show>
      </section>
    </Show>
  );
}
