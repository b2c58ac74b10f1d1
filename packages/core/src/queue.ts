/**
 * The prompt queue of a session (issue 16): prompts the user queued for a session that owns a Flightdeck terminal.
 * When the agent waits for input after a finished turn the first one is typed into the
 * terminal (`terminal-type` effect) and marked `sent`; the agent's hooks reporting that prompt (the turn it
 * started) remove it. One item at a time is in flight: nothing more is typed while one is unconfirmed, while the
 * agent waits for an approval or an answer, or after the session ended. When the shell cannot type it (the terminal
 * is gone: `queue-undelivered`) the item goes back to `queued` and the queue holds until the session gets another
 * terminal or the user changes the queue; the card says why (`Session.queueNote`).
 *
 * State: `CoreState.queues`, a persistent map by session id (the store writes it to `prompt_queue`). The card's
 * `queueCount`/`queueNote` are derived from it here, nowhere else. Pure: item ids and times come in as arguments.
 */
import {
  QUEUE_MAX_ID,
  QUEUE_MAX_ITEMS,
  type QueuedPrompt,
  queueTextProblem,
  type Session,
} from '@flightdeck/shared-types';
import { emptyPMap, getOwn, pmDelete, pmSet } from './pmap.js';
import { logEvent } from './state-machine.js';
import { Tx } from './tx.js';
import type { CoreState, Effect, UserAction } from './types.js';

export interface SessionQueue {
  /** In the order they are typed in; only the first can be `sent`. */
  items: QueuedPrompt[];
  /** The session's `totalPrompts` when the first item was typed in: a prompt past it confirms the item. */
  promptsAtSend: number | null;
  /** Typing into this terminal failed (why): nothing is typed while the session's terminal is still this one. */
  blocked: { terminalId: string; reason: string } | null;
}

export type QueueAction = Extract<
  UserAction,
  { type: 'queue-add' | 'queue-edit' | 'queue-remove' | 'queue-reorder' }
>;

type Reduced = { state: CoreState; effects: Effect[] };

const EMPTY: SessionQueue = { items: [], promptsAtSend: null, blocked: null };

export function queueOf(state: CoreState, sessionId: string): SessionQueue {
  return (state.queues && getOwn(state.queues, sessionId)) ?? EMPTY;
}

function putQueue(tx: Tx, id: string, q: SessionQueue): void {
  const queues = tx.state.queues ?? emptyPMap<SessionQueue>();
  tx.state.queues = q.items.length === 0 ? pmDelete(queues, id) : pmSet(queues, id, q);
  syncCard(tx, id);
}

function validId(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v.length <= QUEUE_MAX_ID;
}

/** What the card shows: how many are queued and why nothing is typed in (when that is worth saying). */
function syncCard(tx: Tx, id: string): void {
  const s = tx.session(id);
  if (!s) return;
  const q = queueOf(tx.state, id);
  const queueCount = q.items.length;
  const queueNote = queueCount === 0 ? null : noteOf(s, q);
  if (s.queueCount !== queueCount || s.queueNote !== queueNote) tx.patch(id, { queueCount, queueNote });
}

function noteOf(s: Session, q: SessionQueue): string | null {
  if (s.status === 'ended') return 'The session ended: queued prompts are not typed in';
  if (s.terminalId === null) return 'No Flightdeck terminal: queued prompts are not typed in';
  if (q.blocked && q.blocked.terminalId === s.terminalId) return q.blocked.reason;
  return null;
}

/**
 * Whether the agent waits at its prompt after a finished turn (`waiting`, or `idle` right after it). Not a fresh
 * session (its launch prompt may be on its way), not an approval or a question (typing would answer the dialog),
 * not a long tool call that timed out to `idle`.
 */
function atPrompt(s: Session): boolean {
  if (s.pendingApproval !== null) return false;
  if (s.status === 'waiting') return true;
  if (s.status !== 'idle') return false;
  return s.statusHistory[s.statusHistory.length - 2]?.status === 'waiting';
}

/** Types the first item when the agent waits at its prompt and nothing else is in flight. */
function dispatch(tx: Tx, id: string): void {
  const s = tx.session(id);
  const q = queueOf(tx.state, id);
  const first = q.items[0];
  if (!s || !first || first.state === 'sent' || s.terminalId === null || !atPrompt(s)) return;
  if (q.blocked && q.blocked.terminalId === s.terminalId) return;
  const sent: QueuedPrompt = { ...first, state: 'sent', sentAt: tx.now, updatedAt: tx.now };
  putQueue(tx, id, { items: [sent, ...q.items.slice(1)], promptsAtSend: s.totalPrompts, blocked: null });
  tx.emit({
    type: 'terminal-type',
    sessionId: id,
    terminalId: s.terminalId,
    itemId: first.id,
    text: first.text,
  });
  logEvent(tx, id, 'queue-sent', `Queued prompt typed into terminal ${s.terminalId}`, tx.now);
}

/** Text compared loosely: the CLI may trim it or change its line ends and spacing. */
function sameText(a: string, b: string): boolean {
  const norm = (t: string) => t.replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}

/**
 * Prompts counted since the item was typed in: the one with its text confirms it (the agent took it). Another text
 * (a prompt already on its way, one typed by hand) does not: the item stays `sent` (never typed twice) until its
 * own prompt comes, or the user removes it.
 */
function confirm(tx: Tx, id: string): void {
  const s = tx.session(id);
  const q = queueOf(tx.state, id);
  const first = q.items[0];
  if (!s || first?.state !== 'sent' || q.promptsAtSend === null) return;
  const added = s.totalPrompts - q.promptsAtSend;
  if (added <= 0) return;
  const recent = s.promptHistory.slice(-added);
  if (recent.some((p) => sameText(p.text, first.text)))
    putQueue(tx, id, { items: q.items.slice(1), promptsAtSend: null, blocked: q.blocked });
  else putQueue(tx, id, { ...q, promptsAtSend: s.totalPrompts });
}

/**
 * After every input: the queues follow their sessions (re-keyed, removed), a sent item is confirmed by the next
 * prompt, the next item is typed in when the agent waits, and the cards' counts follow. Only the sessions the input
 * changed are looked at.
 */
export function settleQueues(out: Reduced, now: number): Reduced {
  const queues = out.state.queues;
  if (!queues || queues.size === 0) return out;
  let tx: Tx | null = null;
  const open = () => {
    tx ??= new Tx(out.state, now);
    return tx;
  };
  for (const eff of out.effects) {
    if (eff.type === 'session-rekeyed') {
      const moved = queueOf(out.state, eff.oldId);
      if (moved.items.length === 0) continue;
      const t = open();
      const there = queueOf(t.state, eff.newId);
      t.state.queues = pmDelete(t.state.queues!, eff.oldId);
      // Usually the card had none under its new id. Two queues join, nothing dropped (the bound is checked on add);
      // only the first item of the joined queue can be the one in flight.
      const joined =
        there.items.length === 0
          ? moved
          : { ...there, items: [...there.items, ...moved.items.filter((i) => i.state !== 'sent')] };
      putQueue(t, eff.newId, joined);
    } else if (eff.type === 'session-removed') {
      const t = tx ?? out;
      if (getOwn(t.state.sessions, eff.sessionId) || !getOwn(t.state.queues!, eff.sessionId)) continue;
      open().state.queues = pmDelete(open().state.queues!, eff.sessionId);
    }
  }
  for (const eff of out.effects) {
    if (eff.type !== 'session-changed') continue;
    const state: CoreState = (tx as Tx | null)?.state ?? out.state;
    if (!state.queues || !getOwn(state.queues, eff.sessionId)) continue;
    const t = open();
    confirm(t, eff.sessionId);
    dispatch(t, eff.sessionId);
    syncCard(t, eff.sessionId);
  }
  if (tx === null) return out;
  const more = (tx as Tx).finish();
  return { state: more.state, effects: [...out.effects, ...more.effects] };
}

/**
 * `queue-add` / `queue-edit` / `queue-remove` / `queue-reorder` on an existing session `id`: the reason it is
 * refused (naming the field), or null when applied to `tx`.
 *
 * - add: the session must have a Flightdeck terminal, the queue room (`QUEUE_MAX_ITEMS`), the id be new.
 * - edit: only a `queued` item (a `sent` one is already in the terminal).
 * - remove: any item; removing the `sent` one forgets it (the queue goes on with the next when the agent waits).
 * - reorder: `itemIds` is every item's id once, in the new order; a `sent` item stays first.
 * Any change lifts a hold after a failed delivery: the next wait tries again.
 */
export function applyQueueAction(tx: Tx, id: string, a: QueueAction): string | null {
  const s = tx.session(id)!;
  const q = queueOf(tx.state, id);
  const now = tx.now;
  const find = (itemId: unknown) => (validId(itemId) ? q.items.findIndex((i) => i.id === itemId) : -1);
  switch (a.type) {
    case 'queue-add': {
      if (!validId(a.itemId)) return `queue-add: itemId: expected 1 to ${QUEUE_MAX_ID} characters`;
      if (typeof a.text !== 'string') return 'queue-add: text: expected string';
      const problem = queueTextProblem(a.text);
      if (problem) return `queue-add: text: ${problem}`;
      if (s.terminalId === null)
        return `queue-add: session ${id} has no Flightdeck terminal: queued prompts are typed into one`;
      if (s.status === 'ended') return `queue-add: session ${id} has ended`;
      if (q.items.length >= QUEUE_MAX_ITEMS)
        return `queue-add: the queue is full (${QUEUE_MAX_ITEMS} prompts): remove one first`;
      if (find(a.itemId) >= 0) return `queue-add: itemId: ${a.itemId} is already queued`;
      const item: QueuedPrompt = {
        id: a.itemId,
        text: a.text,
        state: 'queued',
        createdAt: now,
        updatedAt: now,
        sentAt: null,
      };
      putQueue(tx, id, { ...q, items: [...q.items, item], blocked: null });
      return null;
    }
    case 'queue-edit': {
      const at = find(a.itemId);
      if (at < 0) return `queue-edit: itemId: no queued prompt ${String(a.itemId)} in session ${id}`;
      if (typeof a.text !== 'string') return 'queue-edit: text: expected string';
      const problem = queueTextProblem(a.text);
      if (problem) return `queue-edit: text: ${problem}`;
      const cur = q.items[at]!;
      if (cur.state === 'sent')
        return 'queue-edit: itemId: already typed into the terminal, it cannot change';
      const items = q.items.slice();
      items[at] = { ...cur, text: a.text, updatedAt: now };
      putQueue(tx, id, { ...q, items, blocked: null });
      return null;
    }
    case 'queue-remove': {
      const at = find(a.itemId);
      if (at < 0) return `queue-remove: itemId: no queued prompt ${String(a.itemId)} in session ${id}`;
      const wasSent = q.items[at]!.state === 'sent';
      const items = q.items.filter((_, i) => i !== at);
      putQueue(tx, id, { items, promptsAtSend: wasSent ? null : q.promptsAtSend, blocked: null });
      return null;
    }
    case 'queue-reorder': {
      const ids = a.itemIds;
      if (!Array.isArray(ids) || ids.length !== q.items.length || new Set(ids).size !== ids.length)
        return `queue-reorder: itemIds: expected each of the ${q.items.length} queued prompt ids once`;
      const byId = new Map(q.items.map((i) => [i.id, i]));
      const items: QueuedPrompt[] = [];
      for (const itemId of ids) {
        const item = validId(itemId) ? byId.get(itemId) : undefined;
        if (!item) return `queue-reorder: itemIds: no queued prompt ${String(itemId)} in session ${id}`;
        items.push(item);
      }
      if (q.items[0]?.state === 'sent' && items[0] !== q.items[0])
        return 'queue-reorder: itemIds: the prompt typed into the terminal stays first';
      putQueue(tx, id, { ...q, items, blocked: null });
      return null;
    }
  }
}

/** The shell could not type item `itemId` into `terminalId`: it goes back to `queued` and the queue holds. */
export function queueUndelivered(
  state: CoreState,
  input: { sessionId: unknown; itemId: unknown; terminalId: unknown; reason: unknown },
  now: number,
): Reduced {
  const { sessionId, itemId, terminalId, reason } = input;
  if (!validId(itemId) || typeof sessionId !== 'string' || typeof terminalId !== 'string')
    return {
      state,
      effects: [{ type: 'rejected', reason: 'queue-undelivered: expected sessionId, itemId and terminalId' }],
    };
  const q = queueOf(state, sessionId);
  const first = q.items[0];
  // Stale: removed, confirmed or typed again meanwhile.
  if (!first || first.id !== itemId || first.state !== 'sent') return { state, effects: [] };
  const why = typeof reason === 'string' && reason !== '' ? reason.slice(0, 300) : 'the terminal is gone';
  const tx = new Tx(state, now);
  const back: QueuedPrompt = { ...first, state: 'queued', sentAt: null, updatedAt: now };
  putQueue(tx, sessionId, {
    items: [back, ...q.items.slice(1)],
    promptsAtSend: null,
    blocked: { terminalId, reason: `Queued prompt not typed in: ${why}` },
  });
  if (tx.session(sessionId))
    logEvent(tx, sessionId, 'queue-undelivered', `Queued prompt not typed in: ${why}`, now);
  return tx.finish();
}
