import { cleanup, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { formatBytes, StoragePanel } from '../src/components/StoragePanel.js';
import type { StorageInfo } from '../src/data/types.js';

afterEach(cleanup);

const table = (rows: number, prunableRows: number, prunableBytes: number) => ({
  rows,
  prunableRows,
  prunableBytes,
});

const INFO: StorageInfo = {
  databaseBytes: 12.5 * 1024 * 1024,
  settings: { sessionRetentionHours: 24, hookEventRetentionDays: 30, endedSessionMemoryMinutes: 60 },
  prunable: {
    tables: {
      prompts: table(120, 20, 40_000),
      responses: table(80, 10, 20_000),
      tool_calls: table(900, 300, 1_500_000),
      events: table(400, 100, 8_000),
      hook_events: table(5000, 2000, 3_000_000),
    },
    prunableRows: 2430,
    prunableBytes: 4_568_000,
  },
  sessionsInMemory: 4,
  sessionsStored: 57,
  lastPass: {
    at: Date.UTC(2026, 11, 7, 6),
    hookEvents: 12,
    conversation: { prompts: 1, responses: 2, tool_calls: 3, events: 4 },
    evicted: 2,
  },
};

describe('Settings: storage and retention', () => {
  it('shows the database size, the retention settings and what the next pass would free', async () => {
    render(() => <StoragePanel api={{ storage: async () => INFO }} />);
    expect((await screen.findByTestId('db-size')).textContent).toBe('12.5 MB');
    const panel = screen.getByTestId('storage-panel').textContent ?? '';
    expect(panel).toContain('57 sessions stored, 4 on the board');
    expect(panel).toContain('older than 24 h');
    expect(panel).toContain('leaves the board 60 min after it ended');
    expect(screen.getByTestId('prunable').textContent).toContain('4.4 MB');
    expect(panel).toContain('Raw hook events');
    expect(panel).toContain('12 raw events, 10 conversation rows deleted, 2 sessions left the board');
  });

  it('formats bytes', () => {
    expect([0, 1023, 1536, 10 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.5 KB',
      '10.0 MB',
      '3.0 GB',
    ]);
  });
});
