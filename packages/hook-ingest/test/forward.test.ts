import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostReportSchema } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import {
  createHostReporter,
  createMetricsSampler,
  FORWARDER_ID_FILE,
  forwardedEnvelope,
  forwarderId,
  readMeminfo,
} from '../src/index.js';

describe('forwarder envelopes', () => {
  it('carry a sender id made from the forwarder and the record, without meta.host and the hold fields', () => {
    const record = {
      id: 'f0f0f0f0-000000010000-1000',
      receivedAt: 1,
      envelope: {
        cli: 'claude' as const,
        payload: { session_id: 's', hook_event_name: 'Stop' },
        meta: { pid: 42, host: 'whatever-os-says', hold: '/x/hold/1', holdPid: 9, sentAt: 5 },
      },
    };
    const out = forwardedEnvelope('0123456789abcdef', record);
    expect(out.id).toBe('0123456789abcdef.f0f0f0f0-000000010000-1000');
    expect(out.meta).toEqual({ pid: 42, sentAt: 5 });
    expect(forwardedEnvelope('0123456789abcdef', record).id).toBe(out.id);
    expect(forwardedEnvelope('fedcba9876543210', record).id).not.toBe(out.id);
  });

  it('the forwarder id is made once (0600) and kept across runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-fwid-'));
    try {
      const id = forwarderId(dir);
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      expect(forwarderId(dir)).toBe(id);
      expect(readFileSync(join(dir, FORWARDER_ID_FILE), 'utf8').trim()).toBe(id);
      expect(statSync(join(dir, FORWARDER_ID_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('host reports', () => {
  it('reads /proc/meminfo in bytes', () => {
    const info = readMeminfo(
      'MemTotal:       16000 kB\nMemAvailable:    4000 kB\nSwapTotal:  2048 kB\nHugePages_Total:       0\n',
    );
    expect(info.get('MemTotal')).toBe(16000 * 1024);
    expect(info.get('MemAvailable')).toBe(4000 * 1024);
    expect(info.get('SwapTotal')).toBe(2048 * 1024);
    expect(info.get('HugePages_Total')).toBe(0);
  });

  it('measures this machine as the report schema wants it', () => {
    const m = createMetricsSampler(tmpdir())();
    expect(hostReportSchema.parse({ metrics: m, pids: [] }).metrics).toEqual(m);
    expect(m.memory.total).toBeGreaterThan(0);
    expect(m.memory.used).toBeLessThanOrEqual(m.memory.total);
    expect(m.disk.total).toBeGreaterThan(0);
  });

  it('reports a dead PID for a while, then forgets it; the PIDs it tracks survive a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fd-report-'));
    try {
      let t = 1_000;
      const alive = new Set([11, 12]);
      const opts = {
        dataDir: dir,
        url: 'http://127.0.0.1:1',
        token: 'x',
        deadKeepMs: 100,
        isAlive: (pid: number) => alive.has(pid),
        now: () => t,
      };
      const r = createHostReporter(opts);
      r.track([11, 12, 11]);
      expect(r.build().pids).toEqual([
        { pid: 11, alive: true },
        { pid: 12, alive: true },
      ]);
      alive.delete(12);
      expect(r.build().pids).toEqual([
        { pid: 11, alive: true },
        { pid: 12, alive: false },
      ]);
      r.stop(); // saves the PIDs
      const again = createHostReporter(opts);
      t += 50;
      expect(again.build().pids).toEqual([
        { pid: 11, alive: true },
        { pid: 12, alive: false },
      ]);
      t += 101;
      expect(again.build().pids).toEqual([{ pid: 11, alive: true }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
