import { readFileSync } from 'node:fs';
import type { AgentCli, HookEnvelope } from '@flightdeck/shared-types';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { IngestEvent } from '../src/index.js';
import { rows as all, openTestDb, recordBatch, STORES, T0 } from './helpers.js';

const SAMPLES = new URL('../../../fixtures/hook-samples.jsonl', import.meta.url);
const CLI: Record<string, AgentCli> = { 'claude-code': 'claude', codex: 'codex', 'gemini-cli': 'gemini' };

describe.each(STORES)('real hook payloads (%s)', (kind) => {
  it('stores every recorded Claude/Codex/Gemini sample with its session id and event name', async () => {
    const lines = readFileSync(SAMPLES, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const samples = lines.map(
      (l) => JSON.parse(l) as { cli: string; event: string; payload: Record<string, unknown> },
    );
    const events: IngestEvent[] = [];
    samples.forEach((s, i) => {
      const cli = CLI[s.cli];
      if (!cli) return;
      const envelope: HookEnvelope = { cli, payload: s.payload, meta: { sentAt: T0 + i } };
      events.push({ ingestId: String(i).padStart(6, '0'), envelope, receivedAt: T0 + i });
    });
    expect(events.length).toBeGreaterThan(40);
    const h = await openTestDb(kind);
    try {
      expect((await recordBatch(h, { events, sessions: [] })).insertedIngestIds).toHaveLength(events.length);
      const rows = await all<{ session_id: string | null; event_type: string | null; payload: string }>(
        h,
        sql`SELECT session_id, event_type, payload FROM hook_events ORDER BY id`,
      );
      expect(rows.every((r) => typeof r.session_id === 'string' && r.session_id.length > 0)).toBe(true);
      expect(rows.every((r) => typeof r.event_type === 'string' && r.event_type.length > 0)).toBe(true);
      const first = events[0]?.envelope.payload;
      expect(JSON.parse(rows[0]?.payload ?? 'null')).toEqual(first);
      expect(new Set(rows.map((r) => r.event_type))).toContain('agent-turn-complete');
    } finally {
      await h.cleanup();
    }
  });
});
