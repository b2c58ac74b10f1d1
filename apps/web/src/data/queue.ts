/** The prompt queue of a session as the web uses it (`queue.*` procedures, issue 16). */
import type { QueuedPrompt } from '@flightdeck/shared-types';

export type { QueuedPrompt } from '@flightdeck/shared-types';

/** A session's queue: its items in order and why nothing is typed in (or null). */
export interface QueueView {
  sessionId: string;
  items: QueuedPrompt[];
  note: string | null;
}

export interface QueueApi {
  queueList(sessionId: string): Promise<QueueView>;
  queueAdd(sessionId: string, text: string): Promise<QueueView>;
  queueUpdate(sessionId: string, itemId: string, text: string): Promise<QueueView>;
  queueRemove(sessionId: string, itemId: string): Promise<QueueView>;
  /** Every item's id once, in the new order. */
  queueReorder(sessionId: string, itemIds: string[]): Promise<QueueView>;
}

/** The ids of `items` with the one at `index` moved by `delta` (−1 up, +1 down); null when it cannot move. */
export function moved(items: readonly QueuedPrompt[], index: number, delta: -1 | 1): string[] | null {
  const to = index + delta;
  if (index < 0 || to < 0 || to >= items.length) return null;
  // The prompt already typed into the terminal stays first.
  if (items[index]?.state === 'sent' || items[to]?.state === 'sent') return null;
  const ids = items.map((i) => i.id);
  [ids[index], ids[to]] = [ids[to]!, ids[index]!];
  return ids;
}
