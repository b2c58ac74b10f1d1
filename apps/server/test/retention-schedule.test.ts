import { openSqlite } from '@flightdeck/db';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HOUR_MS,
  MIN_PASS_MS,
  passIntervalMs,
  type RetentionSettings,
  startRetention,
} from '../src/retention/index.js';

const DEFAULTS: RetentionSettings = {
  sessionRetentionHours: 24,
  hookEventRetentionDays: 30,
  endedSessionMemoryMinutes: 60,
};

describe('retention schedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes at half the shorter of the memory time and the retention period, 10 s to an hour', () => {
    expect(passIntervalMs(DEFAULTS)).toBe(30 * 60_000);
    expect(passIntervalMs({ ...DEFAULTS, endedSessionMemoryMinutes: 1 })).toBe(30_000);
    expect(passIntervalMs({ ...DEFAULTS, sessionRetentionHours: 0.001 })).toBe(MIN_PASS_MS);
    expect(
      passIntervalMs({ ...DEFAULTS, endedSessionMemoryMinutes: 30 * 24 * 60, sessionRetentionHours: 240 }),
    ).toBe(HOUR_MS);
  });

  it('runs a pass at start, then on the interval of the settings, read again after each pass', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const adapter = await openSqlite({ file: ':memory:', writerThread: false });
    let settings = { ...DEFAULTS, endedSessionMemoryMinutes: 1 };
    const evictions: number[] = [];
    const retention = startRetention({
      db: adapter.db,
      runtime: {
        dispatch: async (input) => {
          if (input.type === 'evict-ended') evictions.push(input.before);
          return { effects: [], rejected: [] } as never;
        },
      },
      settings: () => settings,
      log: { info() {}, warn() {} },
      now: () => 1_000_000_000,
    });
    try {
      await vi.waitFor(() => expect(evictions).toHaveLength(1));
      // 30 s later (half of one minute): the second pass.
      await vi.advanceTimersByTimeAsync(29_000);
      expect(evictions).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_000);
      await vi.waitFor(() => expect(evictions).toHaveLength(2));
      // The settings change: the pass after the next one comes on the new interval (5 min).
      settings = { ...settings, endedSessionMemoryMinutes: 10 };
      await vi.advanceTimersByTimeAsync(30_000);
      await vi.waitFor(() => expect(evictions).toHaveLength(3));
      await vi.advanceTimersByTimeAsync(4 * 60_000);
      expect(evictions).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(() => expect(evictions).toHaveLength(4));
    } finally {
      await retention.stop();
      await adapter.close();
    }
  });
});
