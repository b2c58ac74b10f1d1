import { describe, expect, it } from 'vitest';
import {
  type CoreInput,
  type CoreState,
  entriesOf,
  forEachChange,
  getOwn,
  initialState,
  keysOf,
  type PMap,
  pmapOf,
  reduce,
  valuesOf,
} from '../src/index.js';
import { emptyPMap, pmDelete, pmDeleteMany, pmSet } from '../src/pmap.js';
import { hook, readJsonl } from './helpers.js';

describe('persistent map (sessions/runtime)', () => {
  it('agrees with a Map model over many sets and deletes, and old versions stay unchanged', () => {
    const model = new Map<string, number>();
    let d = emptyPMap<number>();
    const versions: [PMap<number>, Map<string, number>][] = [];
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
    for (const [k, v] of model) expect(getOwn(d, k)).toBe(v);
    expect(getOwn(d, 'missing')).toBeUndefined();
    for (const [ver, snap] of versions) {
      expect(ver.size).toBe(snap.size);
      expect(Object.fromEntries(entriesOf(ver))).toEqual(Object.fromEntries(snap));
      expect(keysOf(ver).sort()).toEqual([...snap.keys()].sort());
      expect(valuesOf(ver).sort()).toEqual([...snap.values()].sort());
    }
    expect(pmDelete(d, 'missing')).toBe(d);
    const [k0, v0] = [...model][0]!;
    expect(pmSet(d, k0, v0)).toBe(d);
  });

  it('deletes many keys at once as deleting them one by one does, copying each leaf once', () => {
    let m = emptyPMap<number>();
    for (let i = 0; i < 5000; i++) m = pmSet(m, `s-${i}`, i);
    const keys = Array.from({ length: 3000 }, (_, i) => `s-${(i * 7) % 5000}`); // repeats included
    const gone = [...keys, 'missing', '__proto__', 'toString'];
    let oneByOne = m;
    for (const k of gone) oneByOne = pmDelete(oneByOne, k);
    const many = pmDeleteMany(m, gone);
    expect(many.size).toBe(oneByOne.size);
    expect(many.size).toBe(5000 - new Set(keys).size);
    expect(Object.fromEntries(entriesOf(many))).toEqual(Object.fromEntries(entriesOf(oneByOne)));
    // The old version is unchanged; exactly the deleted keys differ.
    expect(m.size).toBe(5000);
    expect(getOwn(m, 's-7')).toBe(7);
    const changed: string[] = [];
    forEachChange(m, many, (k, v) => {
      expect(v).toBeUndefined();
      changed.push(k);
    });
    expect(changed.sort()).toEqual([...new Set(keys)].sort());
    // A leaf left empty is null, as with pmDelete (plain data: clone and JSON give an equal map).
    const all = pmDeleteMany(m, keysOf(m));
    expect(all.size).toBe(0);
    expect(all).toEqual(pmDeleteMany(oneByOne, keysOf(oneByOne)));
    expect(JSON.parse(JSON.stringify(all))).toEqual(all);
    expect(pmDeleteMany(m, [])).toBe(m);
    expect(pmDeleteMany(m, ['missing', 'constructor'])).toBe(m);
    // A key called __proto__ stays a plain entry of the leaves that are rebuilt.
    const withProto = pmSet(pmSet(m, '__proto__', -1), 'x', -2);
    const dropped = pmDeleteMany(
      withProto,
      keysOf(withProto).filter((k) => k !== '__proto__'),
    );
    expect(dropped.size).toBe(1);
    expect(getOwn(dropped, '__proto__')).toBe(-1);
    expect(keysOf(dropped)).toEqual(['__proto__']);
    expect(getOwn(pmDeleteMany(dropped, ['__proto__']), '__proto__')).toBeUndefined();
  });

  it('reports exactly the changed keys between two versions', () => {
    let a = emptyPMap<{ n: number }>();
    for (let i = 0; i < 500; i++) a = pmSet(a, `s-${i}`, { n: i });
    let b = pmSet(a, 's-3', { n: 33 });
    b = pmDelete(b, 's-4');
    b = pmSet(b, 'new', { n: -1 });
    b = pmSet(b, 's-5', getOwn(a, 's-5')!); // same object: no change
    const seen: [string, number | undefined][] = [];
    forEachChange(a, b, (k, v) => seen.push([k, v?.n]));
    expect(seen.sort()).toEqual([
      ['new', -1],
      ['s-3', 33],
      ['s-4', undefined],
    ]);
    forEachChange(b, b, () => {
      throw new Error('no change expected');
    });
    const fromEmpty: string[] = [];
    forEachChange(emptyPMap(), a, (k) => fromEmpty.push(k));
    expect(fromEmpty.length).toBe(500);
  });

  it('is plain data: not indexable, never an Object.prototype member, converted from a plain record', () => {
    const m = pmSet(pmSet(emptyPMap<{ n: number }>(), 'a', { n: 1 }), 'b', { n: 2 });
    expect(getOwn(m, 'toString')).toBeUndefined();
    expect(getOwn(m, 'constructor')).toBeUndefined();
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
    expect(structuredClone(m)).toEqual(m);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
    const fromRecord = pmapOf({ a: { n: 1 }, b: { n: 2 } });
    expect(fromRecord).toEqual(m);
    expect(pmapOf(m)).toBe(m);
    expect(pmapOf([['a', { n: 1 }] as const])).toEqual(pmSet(emptyPMap(), 'a', { n: 1 }));
  });

  it('keeps a session called __proto__ as a plain entry, through structuredClone and JSON too', () => {
    const d = pmSet(emptyPMap<number>(), '__proto__', 5);
    expect(getOwn(d, '__proto__')).toBe(5);
    expect(keysOf(d)).toEqual(['__proto__']);
    expect(getOwn(structuredClone(d), '__proto__')).toBe(5);
    expect(getOwn(JSON.parse(JSON.stringify(d)) as PMap<number>, '__proto__')).toBe(5);
    expect(getOwn(pmDelete(d, '__proto__'), '__proto__')).toBeUndefined();
    expect(pmapOf(JSON.parse('{"__proto__": 5}') as Record<string, number>).size).toBe(1);
  });
});

/**
 * A realistic run: the recorded Claude Code fixture (subagent, tools, Stop, SessionEnd, resume) interleaved with
 * 60 other sessions doing prompts and tool calls, one of them called `__proto__`, a rename, timers firing and a delete.
 */
function realisticInputs(): [CoreInput, number][] {
  const fixture = readJsonl('claude-code-2.1.328/subagent-and-resume.jsonl');
  const out: [CoreInput, number][] = [];
  let now = 1_700_000_000_000;
  const push = (input: CoreInput, dt: number) => {
    now += dt;
    out.push([input, now]);
  };
  const ids = [...Array.from({ length: 59 }, (_, i) => `sess-${i}`), '__proto__'];
  for (const id of ids)
    push(
      hook('claude', { session_id: id, cwd: `/p/${id}`, hook_event_name: 'SessionStart', source: 'startup' }),
      10,
    );
  fixture.forEach((payload, i) => {
    push(hook('claude', payload), 100);
    const id = ids[i % ids.length]!;
    push(hook('claude', { session_id: id, hook_event_name: 'UserPromptSubmit', prompt: `task ${i}` }), 5);
    const tool = { tool_name: 'Read', tool_input: { file_path: `/src/f${i}.ts` }, tool_use_id: `tu-${i}` };
    push(hook('claude', { session_id: id, hook_event_name: 'PreToolUse', ...tool }), 5);
    push(
      hook('claude', {
        session_id: id,
        hook_event_name: 'PostToolUse',
        ...tool,
        tool_response: { ok: true },
      }),
      5,
    );
    if (i % 7 === 0) push(hook('claude', { session_id: id, hook_event_name: 'Stop' }), 5);
  });
  push({ type: 'user', action: { type: 'set-title', sessionId: 'sess-3', title: 'renamed' } }, 5);
  for (let i = 0; i < 60; i++)
    push(
      hook('claude', {
        session_id: ids[(i * 7) % ids.length]!,
        hook_event_name: 'UserPromptSubmit',
        prompt: `more ${i}`,
      }),
      50,
    );
  push({ type: 'timer', key: 'none', sessionId: 'sess-1', kind: 'auto-idle' }, 600_000);
  push({ type: 'user', action: { type: 'delete', sessionId: 'sess-4' } }, 5);
  return out;
}

describe('the core state is plain data', () => {
  it('structuredClone(state) after a realistic run equals the state, and the clone reduces identically', () => {
    const inputs = realisticInputs();
    const half = Math.floor(inputs.length / 2);
    let state: CoreState = initialState();
    for (const [input, now] of inputs.slice(0, half)) state = reduce(state, input, now).state;
    expect(state.sessions.size).toBeGreaterThan(50);
    expect(getOwn(state.sessions, '__proto__')?.sessionId).toBe('__proto__');

    const clone = structuredClone(state);
    expect(clone).toEqual(state);
    expect(clone).not.toBe(state);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);

    let original = state;
    let copy = clone;
    for (const [input, now] of inputs.slice(half)) {
      const a = reduce(original, input, now);
      const b = reduce(copy, input, now);
      expect(b.effects).toEqual(a.effects);
      original = a.state;
      copy = b.state;
    }
    expect(copy).toEqual(original);
    expect(getOwn(original.sessions, 'sess-4')).toBeUndefined();
    expect(getOwn(original.sessions, 'sess-3')?.title).toBe('renamed');
    // The state the clone was taken from is unchanged by what followed.
    expect(structuredClone(state)).toEqual(clone);
  });

  it('a state loaded from JSON keeps working, and the loaded object is not modified', () => {
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
    expect(getOwn(r.state.sessions, 'a')!.status).toBe('prompting');
    expect(getOwn(r.state.sessions, 'b')!.status).toBe('prompting');
    expect(keysOf(r.state.sessions).sort()).toEqual(['a', 'b']);
    // stale timer against a loaded state: same object back
    expect(reduce(loaded, { type: 'timer', key: 'nope', sessionId: 'a', kind: 'auto-idle' }, 4).state).toBe(
      loaded,
    );
    // ids that collide with Object.prototype members are unknown sessions, not crashes
    const t = reduce(loaded, { type: 'user', action: { type: 'archive', sessionId: 'toString' } }, 5);
    expect(t.effects).toEqual([{ type: 'rejected', reason: 'archive: unknown session toString' }]);
  });
});
