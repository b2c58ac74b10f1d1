/**
 * For property tests over the fields of a domain object (`@flightdeck/shared-types/testing`; not part of the
 * main entry).
 */

/** A value of the same JSON kind as `v` and different from it, marked with `key`: no code per field. */
export function otherValue(v: unknown, key: string): unknown {
  if (typeof v === 'string') return `${v}·${key}`;
  if (typeof v === 'number') return v + 1000 + key.length;
  if (typeof v === 'boolean') return !v;
  if (v === null || v === undefined) return `${key}-value`;
  if (Array.isArray(v)) return [...v, { marker: key }];
  return { ...(v as object), marker: key };
}
