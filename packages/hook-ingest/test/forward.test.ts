import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORWARDER_ID_FILE, forwardedEnvelope, forwarderId } from '../src/index.js';

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
