/** The reader's position in a sequence-keyed table shared by several servers (store/id-cursor.ts). */
import { describe, expect, it } from 'vitest';
import { createIdCursor, MAX_GAPS } from '../src/store/id-cursor.js';

describe('id cursor', () => {
  it('keeps the ids it skipped as gaps until they are read or too old', () => {
    const c = createIdCursor(10, 1000);
    expect(c.pending(0)).toEqual({ from: 10, gapIds: [] });
    // 11 and 13 committed first; 12 (another server's transaction) later.
    expect(c.take(11, 0)).toBe(true);
    expect(c.take(13, 0)).toBe(true);
    expect(c.position).toBe(13);
    expect(c.pending(0)).toEqual({ from: 13, gapIds: [12] });
    expect(c.seen(11)).toBe(true);
    expect(c.seen(12)).toBe(false);
    expect(c.seen(14)).toBe(false);
    expect(c.prefix()).toBe(11);
    // Read again (an overlapping read): not new.
    expect(c.take(13, 0)).toBe(false);
    expect(c.take(12, 0)).toBe(true);
    expect(c.take(12, 0)).toBe(false);
    expect(c.prefix()).toBe(13);
    expect(c.gapCount).toBe(0);
    // A gap never filled (a rolled-back insert) is given up after `gapMs`.
    c.take(16, 100);
    expect(c.pending(1100).gapIds).toEqual([14, 15]);
    expect(c.pending(1101)).toEqual({ from: 16, gapIds: [] });
    expect(c.prefix()).toBe(16);
    expect(c.take(15, 1200)).toBe(false);
  });

  it('keeps at most MAX_GAPS gaps, giving up the oldest', () => {
    const c = createIdCursor(0, 1000);
    c.take(5, 0);
    c.take(5 + MAX_GAPS + 10, 0);
    expect(c.gapCount).toBe(MAX_GAPS);
    expect(c.seen(1)).toBe(true);
    expect(c.seen(5 + MAX_GAPS + 9)).toBe(false);
  });

  it('starts again after a load: ids after the watermark that the load did not weigh are gaps', () => {
    const c = createIdCursor(3, 1000);
    c.reset(10, 15, new Set([11, 12, 14, 15]), 0);
    expect(c.position).toBe(15);
    expect(c.pending(0).gapIds).toEqual([13]);
    expect(c.prefix()).toBe(12);
    expect(c.take(13, 0)).toBe(true);
    expect(c.prefix()).toBe(15);
  });
});
