import type { QueuedPrompt } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { loadPromptQueues, promptQueueOp } from '../src/index.js';
import { count, openTestDb } from './helpers.js';

const item = (id: string, text: string, over: Partial<QueuedPrompt> = {}): QueuedPrompt => ({
  id,
  text,
  state: 'queued',
  createdAt: 1000,
  updatedAt: 1000,
  sentAt: null,
  ...over,
});

describe.each(['file', 'postgres'] as const)('prompt queue rows (%s)', (kind) => {
  it('a queue is replaced whole, kept in order with its bookkeeping, deleted when empty, and read back after a reopen', async () => {
    const h = await openTestDb(kind);
    const a = [
      item('a', 'first\nline', { state: 'sent', sentAt: 1500, updatedAt: 1500 }),
      item('b', 'ünïcode ✓'),
    ];
    const state = { promptsAtSend: 3, blocked: null };
    await h.write([promptQueueOp('s1', { items: [item('x', 'old')], state: null })]);
    await h.write([
      promptQueueOp('s1', { items: a, state }),
      promptQueueOp('s2', { items: [item('c', 'other')], state: { promptsAtSend: null, blocked: null } }),
    ]);
    await h.write([promptQueueOp('s3', { items: [item('d', 'gone soon')], state: null })]);
    await h.write([promptQueueOp('s3', null)]);
    expect(await count(h, 'prompt_queue')).toBe(3);
    await h.close();

    const reopened = await h.reopen();
    try {
      const loaded = await loadPromptQueues(reopened.db);
      expect([...loaded.keys()]).toEqual(['s1', 's2']);
      expect(loaded.get('s1')).toEqual({ items: a, state });
      expect(loaded.get('s2')?.items.map((i) => i.id)).toEqual(['c']);
    } finally {
      await reopened.close();
      await h.cleanup();
    }
  });
});
