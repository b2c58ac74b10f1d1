import { describe, expect, it } from 'vitest';
import { pushRing } from '../src/limits.js';

describe('pushRing', () => {
  it('appends below the bound and leaves the input untouched', () => {
    const a = [{ n: 1 }, { n: 2 }];
    const out = pushRing(a, { n: 3 }, 5);
    expect(out).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(out).not.toBe(a);
    expect(a).toHaveLength(2);
    // Entries are shared, not copied.
    expect(out[0]).toBe(a[0]);
  });

  it('drops the oldest entries at the bound', () => {
    const a = [1, 2, 3, 4, 5];
    expect(pushRing(a, 6, 5)).toEqual([2, 3, 4, 5, 6]);
    // A ring that is over its bound (a smaller limit than when it was written) shrinks to it.
    expect(pushRing([1, 2, 3, 4, 5, 6, 7], 8, 3)).toEqual([6, 7, 8]);
    expect(pushRing([], 'x', 1)).toEqual(['x']);
    expect(pushRing(['a'], 'b', 1)).toEqual(['b']);
  });

  it('returns a dense array (no holes) that behaves like a literal one', () => {
    const out = pushRing(['a', 'b'], 'c', 10);
    expect(Object.keys(out)).toEqual(['0', '1', '2']);
    expect(JSON.stringify(out)).toBe('["a","b","c"]');
    out.push('d');
    expect(out).toEqual(['a', 'b', 'c', 'd']);
  });
});
