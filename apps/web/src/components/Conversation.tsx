import type { ConversationItem, ConversationPage, ConversationToolResult } from '@flightdeck/shared-types';
import { createVirtualizer } from '@tanstack/solid-virtual';
import { batch, createSignal, For, type JSX, onCleanup, onMount, Show } from 'solid-js';
import type { Api, ConversationQuery } from '../data/types.js';
import { createCoalescer } from '../lib/coalesce.js';
import type { SessionStore } from '../store/sessions.js';
import { ConversationRow } from './ConversationItem.js';
import '../styles/conversation.css';

/** Items asked for per page. */
const PAGE = 200;
/** Scrolled this close to the top: the older page is loaded. */
const NEAR_TOP_PX = 300;
/** Scrolled this close to the bottom: new items keep it at the bottom. */
const NEAR_BOTTOM_PX = 80;

export interface ConversationProps {
  sessionId: string;
  /** A subagent's conversation (nested under the call that started it). */
  agentId?: string;
  load: (query: ConversationQuery) => Promise<ConversationPage>;
  /** Calls back when the session changed (new items may be there); returns the unsubscribe. */
  onChange?: (listener: () => void) => () => void;
  /** Called when the first page cannot be read (no transcript file, refused): the caller may show something else. */
  onUnavailable?: () => void;
}

/**
 * The whole conversation of a session, read from its transcript a page at a time: the newest page first, older
 * pages as the list is scrolled to its top ("Load older" does the same), newer items when the session changes.
 * A virtualised list: only the rows in view (and a few around) are in the DOM, however long the session.
 */
export function Conversation(props: ConversationProps): JSX.Element {
  const [items, setItems] = createSignal<ConversationItem[]>([]);
  const [late, setLate] = createSignal<Map<string, ConversationToolResult>>(new Map());
  const [state, setState] = createSignal<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = createSignal<string | null>(null);
  const [hasOlder, setHasOlder] = createSignal(false);
  const [loadingOlder, setLoadingOlder] = createSignal(false);
  let start = 0;
  let end = 0;
  let disposed = false;
  let scroller: HTMLDivElement | undefined;

  const query = (q: Omit<ConversationQuery, 'sessionId'>): Promise<ConversationPage> =>
    props.load({
      sessionId: props.sessionId,
      ...(props.agentId ? { agentId: props.agentId } : {}),
      limit: PAGE,
      ...q,
    });
  const addResults = (results: ConversationToolResult[]) => {
    if (results.length === 0) return;
    const next = new Map(late());
    for (const r of results) next.set(r.toolUseId, r);
    setLate(next);
  };

  const virt = createVirtualizer({
    get count() {
      return items().length;
    },
    getScrollElement: () => scroller ?? null,
    estimateSize: () => 72,
    overscan: 6,
    getItemKey: (i) => items()[i]?.id ?? i,
  });

  const nearBottom = () =>
    scroller ? scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX : true;
  const toBottom = () => {
    if (items().length > 0) virt.scrollToIndex(items().length - 1, { align: 'end' });
  };

  onMount(async () => {
    try {
      const page = await query({});
      if (disposed) return;
      start = page.start;
      end = page.end;
      batch(() => {
        setItems(page.items);
        addResults(page.results);
        setHasOlder(page.hasOlder);
        setState('ready');
      });
      requestAnimationFrame(toBottom);
    } catch (err) {
      if (disposed) return;
      setError(err instanceof Error ? err.message : String(err));
      setState('error');
      props.onUnavailable?.();
    }
  });

  const loadOlder = async () => {
    if (!hasOlder() || loadingOlder() || state() !== 'ready') return;
    setLoadingOlder(true);
    try {
      const page = await query({ before: start });
      if (disposed) return;
      const beforeTotal = virt.getTotalSize();
      const beforeOffset = scroller?.scrollTop ?? 0;
      start = page.start;
      batch(() => {
        setItems([...page.items, ...items()]);
        addResults(page.results);
        setHasOlder(page.hasOlder);
      });
      // keep what was in view where it was
      virt.scrollToOffset(beforeOffset + (virt.getTotalSize() - beforeTotal));
    } catch {
      // the next scroll to the top tries again
    } finally {
      setLoadingOlder(false);
    }
  };

  const loadNewer = async (): Promise<void> => {
    if (state() !== 'ready') return;
    const stick = nearBottom();
    const page = await query({ after: end }).catch(() => null);
    if (disposed || page === null) return;
    end = page.end;
    batch(() => {
      if (page.items.length > 0) setItems([...items(), ...page.items]);
      addResults(page.results);
    });
    if (stick && page.items.length > 0) requestAnimationFrame(toBottom);
    if (page.hasNewer) return loadNewer();
  };
  const newer = createCoalescer(loadNewer, { minIntervalMs: 500 });
  const off = props.onChange?.(() => newer.request());
  onCleanup(() => {
    disposed = true;
    off?.();
    newer.dispose();
  });

  const onScroll = () => {
    if (scroller && scroller.scrollTop < NEAR_TOP_PX) void loadOlder();
  };

  return (
    <section class="convo" classList={{ 'convo--nested': !!props.agentId }} aria-label="Conversation">
      <Show when={state() === 'error'}>
        <p class="muted" role="status">
          The transcript cannot be read: {error()}
        </p>
      </Show>
      <Show when={state() === 'loading'}>
        <p class="muted">Reading the transcript…</p>
      </Show>
      <Show when={state() === 'ready' && items().length === 0 && !hasOlder()}>
        <p class="muted">Nothing in the transcript yet.</p>
      </Show>
      {/* always there: the virtualiser attaches to it when the component mounts */}
      <div
        class="convo__scroller"
        classList={{ 'convo__scroller--empty': items().length === 0 && !hasOlder() }}
        ref={scroller}
        onScroll={onScroll}
      >
        <Show when={hasOlder()}>
          <button
            type="button"
            class="btn btn--small convo__older"
            disabled={loadingOlder()}
            onClick={loadOlder}
          >
            {loadingOlder() ? 'Loading older…' : 'Load older'}
          </button>
        </Show>
        <ol class="convo__list" style={{ height: `${virt.getTotalSize()}px` }} data-count={items().length}>
          <For each={virt.getVirtualItems()}>
            {(row) => {
              const item = () => items()[row.index];
              return (
                <Show when={item()} keyed>
                  {(it) => (
                    <li
                      class="convo__row"
                      data-index={row.index}
                      data-item-id={it.id}
                      data-kind={it.kind}
                      ref={(el) => queueMicrotask(() => virt.measureElement(el))}
                      style={{ transform: `translateY(${row.start}px)` }}
                    >
                      <ConversationRow
                        item={it}
                        late={
                          it.kind === 'tool' ? late().get((it as { toolUseId: string }).toolUseId) : undefined
                        }
                        subagent={(agentId) => (
                          <Conversation sessionId={props.sessionId} agentId={agentId} load={props.load} />
                        )}
                      />
                    </li>
                  )}
                </Show>
              );
            }}
          </For>
        </ol>
      </div>
    </section>
  );
}

/** The detail page's Conversation for a session, when the API reads transcripts and the session has one. */
export function conversationView(
  page: { api: Api; store: SessionStore; sessionId: string },
  session: { transcriptPath: string | null },
): ((unavailable: () => void) => JSX.Element) | undefined {
  const load = page.api.conversation?.bind(page.api);
  if (!load || !session.transcriptPath) return undefined;
  const id = page.sessionId;
  const onChange = (listener: () => void) =>
    page.store.onSessionChange((sid) => {
      if (sid === id) listener();
    });
  return (unavailable) => (
    <Conversation sessionId={id} load={load} onChange={onChange} onUnavailable={unavailable} />
  );
}
