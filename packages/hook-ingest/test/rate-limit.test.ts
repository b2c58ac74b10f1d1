import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/index.js';

describe('the sliding-window rate limiter (hook ingest and failed logins)', () => {
  it('lets `limit` hits per window through per key and says when the oldest leaves', () => {
    const rl = createRateLimiter(3, 1000);
    for (const t of [0, 100, 200]) expect(rl.hit('a', t)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(rl.hit('a', 300)).toEqual({ allowed: false, retryAfterMs: 700 });
    expect(rl.wait('a', 300)).toBe(700);
    expect(rl.hit('b', 300).allowed).toBe(true);
    expect(rl.wait('a', 1000)).toBe(0);
    expect(rl.hit('a', 1000).allowed).toBe(true);
    expect(rl.hit('a', 1001)).toEqual({ allowed: false, retryAfterMs: 99 });
  });

  it('wait counts nothing; undo takes one hit back; reset forgets all', () => {
    const rl = createRateLimiter(2, 1000);
    for (let i = 0; i < 5; i++) expect(rl.wait('a', 0)).toBe(0);
    rl.hit('a', 10);
    rl.hit('a', 20);
    expect(rl.wait('a', 30)).toBe(980);
    rl.undo('a', 20);
    rl.undo('a', 999); // never counted: nothing happens
    expect(rl.wait('a', 30)).toBe(0);
    expect(rl.hit('a', 30).allowed).toBe(true);
    expect(rl.hit('a', 40).allowed).toBe(false);
    rl.reset();
    expect(rl.hit('a', 40).allowed).toBe(true);
  });

  it('remembers at most maxKeys keys', () => {
    const rl = createRateLimiter(1, 60_000, 3);
    for (const k of ['a', 'b', 'c']) rl.hit(k, 0);
    expect(rl.hit('a', 1).allowed).toBe(false);
    rl.hit('d', 2); // a fourth key: the memory starts afresh
    expect(rl.hit('a', 3).allowed).toBe(true);
  });
});
