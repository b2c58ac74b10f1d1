/**
 * A small persistent (immutable, structurally shared) string-keyed map, presented to readers as a plain,
 * read-only `Record<string, V>` through a Proxy: `map[id]`, `id in map`, `Object.keys/values/entries`, spread
 * and `JSON.stringify` behave as on a plain object. Updating one key copies one 32-slot root, one 32-slot branch
 * and one small leaf, so a reduce step stays O(changed entry) however many sessions the state holds.
 *
 * A state loaded from JSON holds plain objects; the first write converts them (once).
 *
 * Why not plain objects copied on write: with 200 sessions a reduce step then copies a 200-key object, and
 * `pnpm bench:core` measured 206–231 µs per event instead of 31–46 (see apps/server/src/tuning.ts). The cost of the
 * Proxy: `structuredClone` refuses the state (JSON and spread work).
 */

const DATA: unique symbol = Symbol('flightdeck.pmap');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const WIDTH = 32;

type Leaf<V> = Record<string, V>;
type Branch<V> = (Leaf<V> | undefined)[];

export interface PMapData<V> {
  readonly root: readonly (Branch<V> | undefined)[];
  readonly size: number;
}

function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function emptyData<V>(): PMapData<V> {
  return { root: new Array<Branch<V> | undefined>(WIDTH).fill(undefined), size: 0 };
}

export function pmGet<V>(d: PMapData<V>, key: string): V | undefined {
  const h = hash(key);
  const leaf = d.root[h & 31]?.[(h >>> 5) & 31];
  return leaf !== undefined && Object.hasOwn(leaf, key) ? leaf[key] : undefined;
}

export function pmSet<V>(d: PMapData<V>, key: string, value: V): PMapData<V> {
  const h = hash(key);
  const i = h & 31;
  const j = (h >>> 5) & 31;
  const branch = d.root[i];
  const leaf = branch?.[j];
  const had = leaf !== undefined && Object.hasOwn(leaf, key);
  if (had && leaf[key] === value) return d;
  const nextLeaf: Leaf<V> = leaf === undefined ? {} : { ...leaf };
  // defineProperty: a key named `__proto__` must stay a plain entry.
  Object.defineProperty(nextLeaf, key, { value, writable: true, enumerable: true, configurable: true });
  const nextBranch: Branch<V> =
    branch === undefined ? new Array<Leaf<V> | undefined>(WIDTH).fill(undefined) : branch.slice();
  nextBranch[j] = nextLeaf;
  const root = d.root.slice();
  root[i] = nextBranch;
  return { root, size: had ? d.size : d.size + 1 };
}

export function pmDelete<V>(d: PMapData<V>, key: string): PMapData<V> {
  const h = hash(key);
  const i = h & 31;
  const j = (h >>> 5) & 31;
  const branch = d.root[i];
  const leaf = branch?.[j];
  if (branch === undefined || leaf === undefined || !Object.hasOwn(leaf, key)) return d;
  const nextLeaf: Leaf<V> = { ...leaf };
  delete nextLeaf[key];
  const nextBranch = branch.slice();
  nextBranch[j] = Object.keys(nextLeaf).length === 0 ? undefined : nextLeaf;
  const root = d.root.slice();
  root[i] = nextBranch;
  return { root, size: d.size - 1 };
}

export function pmEntries<V>(d: PMapData<V>): [string, V][] {
  const out: [string, V][] = [];
  for (const branch of d.root) {
    if (branch === undefined) continue;
    for (const leaf of branch) {
      if (leaf === undefined) continue;
      for (const k of Object.keys(leaf)) out.push([k, leaf[k] as V]);
    }
  }
  return out;
}

const handler: ProxyHandler<Record<PropertyKey, unknown>> = {
  get(target, prop, receiver) {
    if (typeof prop === 'string') {
      const v = pmGet(target[DATA] as PMapData<unknown>, prop);
      if (v !== undefined) return v;
    }
    return Reflect.get(target, prop, receiver);
  },
  has(target, prop) {
    if (typeof prop === 'string' && pmGet(target[DATA] as PMapData<unknown>, prop) !== undefined) return true;
    return Reflect.has(target, prop);
  },
  ownKeys(target) {
    return pmEntries(target[DATA] as PMapData<unknown>).map(([k]) => k);
  },
  getOwnPropertyDescriptor(target, prop) {
    if (typeof prop === 'string') {
      const v = pmGet(target[DATA] as PMapData<unknown>, prop);
      if (v !== undefined) return { value: v, writable: true, enumerable: true, configurable: true };
    }
    return Reflect.getOwnPropertyDescriptor(target, prop);
  },
  set() {
    throw new TypeError('Flightdeck core state is immutable: change it through reduce()');
  },
  defineProperty() {
    throw new TypeError('Flightdeck core state is immutable: change it through reduce()');
  },
  deleteProperty() {
    throw new TypeError('Flightdeck core state is immutable: change it through reduce()');
  },
};

/** What a view's Proxy wraps: the data under a symbol (one small object per view, no closures). */
class ViewTarget {
  [DATA]: PMapData<unknown>;
  constructor(d: PMapData<unknown>) {
    this[DATA] = d;
  }
  // Node's util.inspect shows a Proxy's target: make that print the entries.
  [INSPECT](): Record<string, unknown> {
    return Object.fromEntries(pmEntries(this[DATA]));
  }
}

/** The read-only `Record` view of `d`. */
export function view<V>(d: PMapData<V>): Record<string, V> {
  return new Proxy(new ViewTarget(d) as unknown as Record<PropertyKey, unknown>, handler) as Record<
    string,
    V
  >;
}

/** The persistent data behind a record (converting a plain record, e.g. one loaded from JSON). */
export function dataOf<V>(rec: Record<string, V>): PMapData<V> {
  const d = (rec as unknown as Record<PropertyKey, unknown>)[DATA] as PMapData<V> | undefined;
  if (d !== undefined) return d;
  let out = emptyData<V>();
  for (const [k, v] of Object.entries(rec)) out = pmSet(out, k, v);
  return out;
}

/** Values of a record, fast for persistent records. */
export function valuesOf<V>(rec: Record<string, V>): V[] {
  const d = (rec as unknown as Record<PropertyKey, unknown>)[DATA] as PMapData<V> | undefined;
  return d === undefined ? Object.values(rec) : pmEntries(d).map((e) => e[1]);
}

/** Entries of a record, fast for persistent records. */
export function entriesOf<V>(rec: Record<string, V>): [string, V][] {
  const d = (rec as unknown as Record<PropertyKey, unknown>)[DATA] as PMapData<V> | undefined;
  return d === undefined ? Object.entries(rec) : pmEntries(d);
}

/** An empty persistent record. */
export function emptyRecord<V>(): Record<string, V> {
  return view(emptyData<V>());
}

/** `rec[key]` if `key` is an own entry (never an `Object.prototype` member), fast for persistent records. */
export function getOwn<V>(rec: Record<string, V>, key: string): V | undefined {
  const d = (rec as unknown as Record<PropertyKey, unknown>)[DATA] as PMapData<V> | undefined;
  if (d !== undefined) return pmGet(d, key);
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
