/**
 * A small persistent (immutable, structurally shared) string-keyed map held as plain data: a two-level hash trie,
 * a root of 32 slots, each null or a branch of 32 slots, each null or a leaf (a small object of the entries whose
 * key hashes there). Updating one key copies one root, one branch and one leaf, so a reduce step stays
 * O(changed entry) however many sessions the state holds, and the previous version stays valid.
 *
 * Plain arrays, plain objects and numbers only: `structuredClone` and a JSON round trip give back an equal, working
 * map (empty slots are `null`, not holes). Readers go through the functions here (`getOwn`, `valuesOf`,
 * `entriesOf`, `keysOf`): `map[id]` and `Object.values(map)` do not read entries.
 *
 * Why not a plain object copied on write: with 200 sessions a reduce step then copies a 200-key object, and
 * `pnpm bench:core` measured 206–231 µs per event instead of 31–46 (see apps/server/src/tuning.ts).
 */

const WIDTH = 32;

type Leaf<V> = Readonly<Record<string, V>>;
type Branch<V> = readonly (Leaf<V> | null)[];

/** A persistent map (see above). An interface, not a `Record`: indexing it is a type error. */
export interface PMap<V> {
  readonly root: readonly (Branch<V> | null)[];
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

function slots<T>(): (T | null)[] {
  return new Array<T | null>(WIDTH).fill(null);
}

/** An empty map. */
export function emptyPMap<V>(): PMap<V> {
  return { root: slots<Branch<V>>(), size: 0 };
}

/** The value under `key`, if `key` is an entry (never an `Object.prototype` member). */
export function getOwn<V>(m: PMap<V>, key: string): V | undefined {
  const h = hash(key);
  const leaf = m.root[h & 31]?.[(h >>> 5) & 31];
  return leaf != null && Object.hasOwn(leaf, key) ? leaf[key] : undefined;
}

/** `m` with `key` set to `value` (`m` itself when it already holds that value). */
export function pmSet<V>(m: PMap<V>, key: string, value: V): PMap<V> {
  const h = hash(key);
  const i = h & 31;
  const j = (h >>> 5) & 31;
  const branch = m.root[i];
  const leaf = branch?.[j];
  const had = leaf != null && Object.hasOwn(leaf, key);
  if (had && leaf[key] === value) return m;
  const nextLeaf: Record<string, V> = leaf == null ? {} : { ...leaf };
  // defineProperty: a key named `__proto__` must stay a plain entry.
  Object.defineProperty(nextLeaf, key, { value, writable: true, enumerable: true, configurable: true });
  const nextBranch = branch == null ? slots<Leaf<V>>() : branch.slice();
  nextBranch[j] = nextLeaf;
  const root = m.root.slice();
  root[i] = nextBranch;
  return { root, size: had ? m.size : m.size + 1 };
}

/** `m` without `key` (`m` itself when `key` is no entry). */
export function pmDelete<V>(m: PMap<V>, key: string): PMap<V> {
  const h = hash(key);
  const i = h & 31;
  const j = (h >>> 5) & 31;
  const branch = m.root[i];
  const leaf = branch?.[j];
  if (branch == null || leaf == null || !Object.hasOwn(leaf, key)) return m;
  const nextLeaf: Record<string, V> = { ...leaf };
  delete nextLeaf[key];
  const nextBranch = branch.slice();
  nextBranch[j] = Object.keys(nextLeaf).length === 0 ? null : nextLeaf;
  const root = m.root.slice();
  root[i] = nextBranch;
  return { root, size: m.size - 1 };
}

/**
 * `m` without any of `keys` (`m` itself when none is an entry). Each branch and leaf the keys fall in is copied
 * once, however many of them it holds: dropping k keys one by one with `pmDelete` copies k leaves, and a leaf holds
 * about size / 1024 entries, so evicting thousands of sessions from a map of a hundred thousand was quadratic.
 */
export function pmDeleteMany<V>(m: PMap<V>, keys: Iterable<string>): PMap<V> {
  // The keys present, by leaf (slot = i * WIDTH + j).
  const gone = new Map<number, Set<string>>();
  for (const key of keys) {
    const h = hash(key);
    const i = h & 31;
    const j = (h >>> 5) & 31;
    const leaf = m.root[i]?.[j];
    if (leaf == null || !Object.hasOwn(leaf, key)) continue;
    const slot = i * WIDTH + j;
    const set = gone.get(slot);
    if (set) set.add(key);
    else gone.set(slot, new Set([key]));
  }
  if (gone.size === 0) return m;
  const root = m.root.slice();
  const copied = new Set<number>();
  let size = m.size;
  for (const [slot, drop] of gone) {
    const i = Math.floor(slot / WIDTH);
    const j = slot % WIDTH;
    if (!copied.has(i)) {
      root[i] = (root[i] as Branch<V>).slice();
      copied.add(i);
    }
    const branch = root[i] as (Leaf<V> | null)[];
    const leaf = branch[j] as Leaf<V>;
    // A fresh leaf of the entries kept (no `delete`: the object keeps its fast shape). A key named `__proto__`
    // must stay a plain entry: defineProperty for it only (it is much slower than a store).
    const next: Record<string, V> = {};
    let kept = 0;
    for (const k of Object.keys(leaf)) {
      if (drop.has(k)) continue;
      if (k === '__proto__')
        Object.defineProperty(next, k, {
          value: leaf[k],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      else next[k] = leaf[k] as V;
      kept++;
    }
    branch[j] = kept === 0 ? null : next;
    size -= drop.size;
  }
  return { root, size };
}

/** The entries, in the map's (hash) order. */
export function entriesOf<V>(m: PMap<V>): [string, V][] {
  const out: [string, V][] = [];
  for (const branch of m.root) {
    if (branch == null) continue;
    for (const leaf of branch) {
      if (leaf == null) continue;
      for (const k of Object.keys(leaf)) out.push([k, leaf[k] as V]);
    }
  }
  return out;
}

/** The values, in the map's order. */
export function valuesOf<V>(m: PMap<V>): V[] {
  const out: V[] = [];
  for (const branch of m.root) {
    if (branch == null) continue;
    for (const leaf of branch) {
      if (leaf == null) continue;
      for (const k of Object.keys(leaf)) out.push(leaf[k] as V);
    }
  }
  return out;
}

/**
 * The values `keep` accepts, in the map's order: one pass, no array of every value first (the matcher runs it on
 * every event of a session it does not know, over every session in memory).
 */
export function filterValues<V>(m: PMap<V>, keep: (v: V) => boolean): V[] {
  const out: V[] = [];
  for (const branch of m.root) {
    if (branch == null) continue;
    for (const leaf of branch) {
      if (leaf == null) continue;
      for (const k in leaf) {
        const v = leaf[k] as V;
        if (keep(v)) out.push(v);
      }
    }
  }
  return out;
}

/** The keys, in the map's order. */
export function keysOf<V>(m: PMap<V>): string[] {
  return entriesOf(m).map((e) => e[0]);
}

/** Whether `x` has the shape of a map (a JSON-loaded one included). */
export function isPMap(x: unknown): x is PMap<unknown> {
  if (x === null || typeof x !== 'object') return false;
  const m = x as { root?: unknown; size?: unknown };
  return Array.isArray(m.root) && m.root.length === WIDTH && typeof m.size === 'number';
}

/**
 * A map of `source`: a map is returned as it is; a plain record (e.g. in a state saved by an older version) or a
 * list of entries is converted (own entries only).
 */
export function pmapOf<V>(
  source: PMap<V> | Readonly<Record<string, V>> | Iterable<readonly [string, V]>,
): PMap<V> {
  if (isPMap(source)) return source as PMap<V>;
  const entries =
    Symbol.iterator in source
      ? (source as Iterable<readonly [string, V]>)
      : Object.entries(source as Record<string, V>);
  let out = emptyPMap<V>();
  for (const [k, v] of entries) out = pmSet(out, k, v);
  return out;
}

/**
 * Calls `visit(key, value)` for every key whose value differs (by identity) between two versions of a map, with
 * `undefined` for a key `after` no longer holds. Parts the versions share are skipped: O(changes), not O(size).
 */
export function forEachChange<V>(
  before: PMap<V>,
  after: PMap<V>,
  visit: (key: string, value: V | undefined) => void,
): void {
  if (before === after) return;
  for (let i = 0; i < WIDTH; i++) {
    const b = before.root[i] ?? null;
    const a = after.root[i] ?? null;
    if (a === b) continue;
    for (let j = 0; j < WIDTH; j++) {
      const lb = b?.[j] ?? null;
      const la = a?.[j] ?? null;
      if (la === lb) continue;
      if (la !== null)
        for (const k of Object.keys(la))
          if (lb === null || !Object.hasOwn(lb, k) || lb[k] !== la[k]) visit(k, la[k]);
      if (lb !== null)
        for (const k of Object.keys(lb)) if (la === null || !Object.hasOwn(la, k)) visit(k, undefined);
    }
  }
}

/** `rec[key]` of a plain record when `key` is an own entry (never an `Object.prototype` member). */
export function own<V>(rec: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}
