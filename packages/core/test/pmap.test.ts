// biome-ignore-all lint/correctness/noNodejsModules: tests run in Node; only packages/core/src must stay pure
// biome-ignore-all lint/style/noRestrictedImports: tests run in Node; only packages/core/src must stay pure
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type CoreState, initialState, reduce } from '../src/index.js';
import { dataOf, emptyData, entriesOf, getOwn, pmDelete, pmGet, pmSet, valuesOf, view } from '../src/pmap.js';
import { hook } from './helpers.js';

describe('persistent record (sessions/runtime maps)', () => {
  it('agrees with a Map model over many sets and deletes, and old versions stay unchanged', () => {
    const model = new Map<string, number>();
    let d = emptyData<number>();
    const versions: [ReturnType<typeof emptyData<number>>, Map<string, number>][] = [];
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let i = 0; i < 6000; i++) {
      const key = `k${rnd() % 2500}`;
      if (rnd() % 4 === 0) {
        d = pmDelete(d, key);
        model.delete(key);
      } else {
        d = pmSet(d, key, i);
        model.set(key, i);
      }
      if (i % 1000 === 0) versions.push([d, new Map(model)]);
    }
    expect(d.size).toBe(model.size);
    for (const [k, v] of model) expect(pmGet(d, k)).toBe(v);
    expect(pmGet(d, 'missing')).toBeUndefined();
    for (const [ver, snap] of versions) {
      expect(ver.size).toBe(snap.size);
      expect(Object.fromEntries(entriesOf(view(ver)))).toEqual(Object.fromEntries(snap));
    }
    expect(pmDelete(d, 'missing')).toBe(d);
    const [k0, v0] = [...model][0]!;
    expect(pmSet(d, k0, v0)).toBe(d);
  });

  it('reads like a plain, read-only object', () => {
    const rec = view(pmSet(pmSet(emptyData<{ n: number }>(), 'a', { n: 1 }), 'b', { n: 2 }));
    expect(rec.a).toEqual({ n: 1 });
    expect('a' in rec).toBe(true);
    expect('zz' in rec).toBe(false);
    expect('toString' in rec).toBe(true); // like a plain object
    expect(Object.hasOwn(rec, 'a')).toBe(true);
    expect(Object.hasOwn(rec, 'toString')).toBe(false);
    expect(Object.keys(rec).sort()).toEqual(['a', 'b']);
    expect(Object.values(rec).length).toBe(2);
    expect({ ...rec }).toEqual({ a: { n: 1 }, b: { n: 2 } });
    expect(JSON.parse(JSON.stringify(rec))).toEqual({ a: { n: 1 }, b: { n: 2 } });
    expect(rec).toEqual({ a: { n: 1 }, b: { n: 2 } });
    expect(inspect(rec)).toContain('n: 2');
    expect(() => {
      (rec as Record<string, unknown>).c = 1;
    }).toThrow(/immutable/);
    expect(() => delete (rec as Record<string, unknown>).a).toThrow(/immutable/);
    expect(() => Object.defineProperty(rec, 'x', { value: 1 })).toThrow(/immutable/);
    expect(getOwn(rec, 'toString')).toBeUndefined();
    expect(getOwn({ a: 1 } as Record<string, number>, 'toString')).toBeUndefined();
    expect(getOwn({ a: 1 } as Record<string, number>, 'a')).toBe(1);
    expect(valuesOf({ a: 1 })).toEqual([1]);
    expect(entriesOf({ a: 1 })).toEqual([['a', 1]]);
    expect(dataOf(rec)).toBe(dataOf(rec));
  });

  it('keeps a session called __proto__ as a plain entry', () => {
    const d = pmSet(emptyData<number>(), '__proto__', 5);
    expect(pmGet(d, '__proto__')).toBe(5);
    expect(Object.keys(view(d))).toEqual(['__proto__']);
    expect(pmGet(pmDelete(d, '__proto__'), '__proto__')).toBeUndefined();
  });

  it('a state loaded from JSON (plain objects) keeps working, and the loaded object is not modified', () => {
    let s = initialState();
    s = reduce(s, hook('claude', { session_id: 'a', hook_event_name: 'SessionStart' }), 1).state;
    s = reduce(
      s,
      hook('claude', { session_id: 'b', hook_event_name: 'UserPromptSubmit', prompt: 'x' }),
      2,
    ).state;
    const text = JSON.stringify(s);
    const loaded = JSON.parse(text) as CoreState;
    const r = reduce(
      loaded,
      hook('claude', { session_id: 'a', hook_event_name: 'UserPromptSubmit', prompt: 'y' }),
      3,
    );
    expect(JSON.stringify(loaded)).toBe(text);
    expect(r.state.sessions.a!.status).toBe('prompting');
    expect(r.state.sessions.b!.status).toBe('prompting');
    expect(Object.keys(r.state.sessions).sort()).toEqual(['a', 'b']);
    // stale timer against a loaded state: same object back
    expect(reduce(loaded, { type: 'timer', key: 'nope', sessionId: 'a', kind: 'auto-idle' }, 4).state).toBe(
      loaded,
    );
    // ids that collide with Object.prototype members are unknown sessions, not crashes
    const t = reduce(loaded, { type: 'user', action: { type: 'archive', sessionId: 'toString' } }, 5);
    expect(t.effects).toEqual([{ type: 'rejected', reason: 'archive: unknown session toString' }]);
  });
});
