import { describe, expect, it } from 'vitest';
import { compileFieldCopy, resolveGc, startIdleCollector, tuningOn } from '../src/tuning.js';
import { startTestServer } from './helpers.js';

describe('idle collector', () => {
  it('collects once after a burst is followed by quiet, never during activity or after a trickle', () => {
    let clock = 0;
    let inputs = 0;
    let collected = 0;
    const c = startIdleCollector({
      activity: () => inputs,
      gc: () => {
        collected += 1;
      },
      now: () => clock,
      intervalMs: 3_600_000,
    });
    try {
      // Sustained activity: the count moves at every look, nothing is collected.
      for (let i = 0; i < 20; i++) {
        inputs += 500;
        clock += 500;
        c.tick();
      }
      expect(collected).toBe(0);
      // Quiet, but not for long enough yet.
      clock += 500;
      c.tick();
      expect(collected).toBe(0);
      clock += 500;
      c.tick();
      expect(collected).toBe(1);
      expect(c.stats().collections).toBe(1);
      // Still quiet: once is enough.
      clock += 5000;
      c.tick();
      expect(collected).toBe(1);
      // A trickle below the threshold does not make another collection worth it.
      inputs += 100;
      c.tick();
      clock += 5000;
      c.tick();
      expect(collected).toBe(1);
      // Another burst does.
      inputs += 5000;
      c.tick();
      clock += 1000;
      c.tick();
      expect(collected).toBe(2);
    } finally {
      c.stop();
    }
  });

  it('resolves a collection that really frees unreachable objects', async () => {
    const gc = resolveGc();
    expect(gc).toBeTypeOf('function');
    let ref: WeakRef<object> | null = null;
    (() => {
      ref = new WeakRef({ payload: new Array(100_000).fill('x') });
    })();
    // A WeakRef target lives until the end of the job that created it.
    await new Promise((r) => setTimeout(r, 0));
    await gc?.();
    expect((ref as WeakRef<object> | null)?.deref()).toBeUndefined();
  });

  it('runs in the server and is reported by system.info', async () => {
    const server = await startTestServer({ listen: false });
    try {
      expect(server.services.info.idleCollections()).toEqual({ collections: 0, lastMs: 0 });
    } finally {
      await server.close();
    }
  });
});

describe('tuning switches', () => {
  it('every entry is on unless FLIGHTDECK_TUNING_OFF names it', () => {
    expect(tuningOn('idle-gc', {})).toBe(true);
    expect(tuningOn('writer-nice', { FLIGHTDECK_TUNING_OFF: 'idle-gc' })).toBe(true);
    expect(tuningOn('idle-gc', { FLIGHTDECK_TUNING_OFF: 'writer-nice, idle-gc' })).toBe(false);
  });
});

describe('the compiled field copy (tuning entry 5)', () => {
  const copy = (off: boolean) => {
    const before = process.env.FLIGHTDECK_TUNING_OFF;
    if (off) process.env.FLIGHTDECK_TUNING_OFF = 'field-copy';
    try {
      return compileFieldCopy<Record<string, unknown>, [extra: string], Record<string, unknown>>(
        ['a', 'b'],
        ['list'],
        ['extra'],
        { summary: true },
      );
    } finally {
      if (before === undefined) delete process.env.FLIGHTDECK_TUNING_OFF;
      else process.env.FLIGHTDECK_TUNING_OFF = before;
    }
  };

  it('gives what the plain loop gives, in the same key order', () => {
    const src = { a: 1, list: [1, 2, 3], ignored: 'x' };
    const t = { a: 0, b: 'from template' };
    const compiled = copy(false)(src, t, 'e');
    const plain = copy(true)(src, t, 'e');
    expect(compiled).toEqual({ a: 1, b: 'from template', summary: true, counts: { list: 3 }, extra: 'e' });
    expect(JSON.stringify(compiled)).toBe(JSON.stringify(plain));
  });

  it('refuses names that are not identifiers (they are spliced into code)', () => {
    for (const bad of ['a; process.exit()', 'a-b', '', '1a'])
      expect(() => compileFieldCopy([bad], [], [], {})).toThrow(/not a field name/);
  });
});
