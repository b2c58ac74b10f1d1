import { describe, expect, it } from 'vitest';
import { hookEnvelopeSchema, MAX_ENVELOPE_DEPTH, nestsDeeperThan } from '../src/index.js';

/** An envelope whose payload holds `x` nested so that the envelope is `depth` levels deep in all. */
function envelopeOfDepth(depth: number): unknown {
  // envelope (1) > payload (2) > x: arrays from level 3 on.
  let x: unknown = 1;
  for (let i = 0; i < depth - 2; i++) x = [x];
  return { cli: 'claude', payload: { session_id: 's', hook_event_name: 'Stop', x } };
}

describe('envelope nesting bound', () => {
  it('accepts an envelope exactly MAX_ENVELOPE_DEPTH deep and refuses one level more, naming the field', () => {
    expect(hookEnvelopeSchema.safeParse(envelopeOfDepth(MAX_ENVELOPE_DEPTH)).success).toBe(true);
    const r = hookEnvelopeSchema.safeParse(envelopeOfDepth(MAX_ENVELOPE_DEPTH + 1));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['payload']);
    expect(r.error?.issues[0]?.message).toBe(`nested deeper than ${MAX_ENVELOPE_DEPTH} levels`);
  });

  it('refuses deep meta too, and walks 100,000 levels without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(nestsDeeperThan(deep, 10)).toBe(true);
    expect(nestsDeeperThan({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [{ b: {} }] }, 3)).toBe(true);
    const r = hookEnvelopeSchema.safeParse({
      cli: 'claude',
      payload: { session_id: 's', hook_event_name: 'Stop' },
      meta: { extra: deep },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['meta']);
  });
});

describe('sender event id', () => {
  const base = { cli: 'claude', payload: { session_id: 's', hook_event_name: 'Stop' } };
  it('is optional, printable ASCII, at most 128 characters', () => {
    expect(hookEnvelopeSchema.safeParse(base).success).toBe(true);
    expect(hookEnvelopeSchema.parse({ ...base, id: 'host-a:0001-abc' }).id).toBe('host-a:0001-abc');
    expect(hookEnvelopeSchema.safeParse({ ...base, id: 'x'.repeat(128) }).success).toBe(true);
    for (const id of ['', ' a', 'a\nb', 'é', 'x'.repeat(129), 42]) {
      expect(hookEnvelopeSchema.safeParse({ ...base, id }).success).toBe(false);
    }
  });
});
