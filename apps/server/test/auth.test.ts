import { describe, expect, it } from 'vitest';
import {
  authCookie,
  createLoginLimiter,
  createRequestGuard,
  createTokenStore,
  extractToken,
  hashPassword,
  loginAddressKey,
  verifyPassword,
} from '../src/auth.js';

describe('passwords and tokens', () => {
  it('scrypt salt:hash round trip; wrong password fails; too short refused', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('wrong horse', stored)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
    await expect(hashPassword('abc')).rejects.toThrow(/at least 4/);
  });

  it('tokens are 64 hex chars and expire after the TTL', () => {
    let now = 1_000;
    const store = createTokenStore(() => now, 1000);
    const t = store.issue();
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(store.validate(t)).toBe(true);
    expect(store.validate('f'.repeat(64))).toBe(false);
    expect(store.validate(null)).toBe(false);
    now += 1001;
    expect(store.validate(t)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('token from cookie, else bearer header; cookie attributes', () => {
    expect(extractToken({ cookie: 'a=b; auth_token=abc' })).toBe('abc');
    expect(extractToken({ authorization: 'Bearer xyz' })).toBe('xyz');
    expect(extractToken({})).toBeNull();
    expect(authCookie('t')).toBe('auth_token=t; HttpOnly; SameSite=Strict; Path=/; Max-Age=86400');
  });

  it('login limiter: 5 failures per window per address class; successes are not counted; the wait is bounded', () => {
    let now = 0;
    const rl = createLoginLimiter({ now: () => now });
    // The owner logging in, again and again: never limited.
    for (let i = 0; i < 20; i++) {
      const a = rl.attempt('127.0.0.1');
      expect(a.allowed).toBe(true);
      if (a.allowed) a.succeeded();
    }
    // Five failures from five loopback addresses: the sixth attempt, from yet another, is refused.
    for (let i = 0; i < 5; i++) expect(rl.attempt(`127.0.0.${i + 2}`).allowed).toBe(true);
    now += 10_000;
    const refused = rl.attempt('::ffff:127.200.1.1');
    expect(refused).toEqual({ allowed: false, retryAfterMs: 50_000 });
    expect(rl.attempt('::1').allowed).toBe(false);
    // Another address class is not affected.
    expect(rl.attempt('10.1.2.3').allowed).toBe(true);
    // The wait is what was said, no more.
    now += 50_000;
    expect(rl.attempt('127.0.0.1').allowed).toBe(true);
  });

  it('login limiter: attempts in flight count (parallel guesses cannot slip past); a global ceiling', () => {
    const now = 0;
    const rl = createLoginLimiter({ now: () => now, perKey: 5, global: 8 });
    const inFlight = Array.from({ length: 5 }, () => rl.attempt('127.0.0.1'));
    expect(inFlight.every((a) => a.allowed)).toBe(true);
    expect(rl.attempt('127.0.0.1').allowed).toBe(false);
    // Across distinct IPv6 /64s and IPv4 hosts the global ceiling still holds.
    expect(rl.attempt('2001:db8:0:1::1').allowed).toBe(true);
    expect(rl.attempt('2001:db8:0:2::1').allowed).toBe(true);
    expect(rl.attempt('192.0.2.7').allowed).toBe(true);
    expect(rl.attempt('192.0.2.8').allowed).toBe(false);
    rl.reset();
    expect(rl.attempt('192.0.2.8').allowed).toBe(true);
  });

  it('login limiter: a success takes back its own attempt once, and nothing after a reset', () => {
    const now = 0;
    const rl = createLoginLimiter({ now: () => now, perKey: 2, global: 10 });
    const first = rl.attempt('192.0.2.1');
    expect(first.allowed).toBe(true);
    rl.reset();
    expect(rl.attempt('192.0.2.1').allowed).toBe(true);
    expect(rl.attempt('192.0.2.1').allowed).toBe(true);
    if (first.allowed) first.succeeded(); // from before the reset: the two failures since still count
    expect(rl.attempt('192.0.2.1').allowed).toBe(false);
    const owner = rl.attempt('192.0.2.9');
    expect(rl.attempt('192.0.2.9').allowed).toBe(true); // a failure from the same class
    if (owner.allowed) {
      owner.succeeded();
      owner.succeeded(); // twice: still only its own attempt is taken back
    }
    expect(rl.attempt('192.0.2.9').allowed).toBe(true);
    expect(rl.attempt('192.0.2.9').allowed).toBe(false);
  });

  it('address classes: all of loopback is one key; IPv6 by /64; IPv4 by address', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.3.4',
      '::1',
      '::ffff:127.0.0.9',
      '::ffff:7f00:1',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect(loginAddressKey(ip), ip).toBe('loopback');
    }
    expect(loginAddressKey('2001:db8:1:2:aaaa::1')).toBe(loginAddressKey('2001:db8:1:2:bbbb::9'));
    expect(loginAddressKey('2001:db8:1:2::1')).not.toBe(loginAddressKey('2001:db8:1:3::1'));
    expect(loginAddressKey('::ffff:10.0.0.1')).toBe(loginAddressKey('10.0.0.1'));
    expect(loginAddressKey('10.0.0.1')).not.toBe(loginAddressKey('10.0.0.2'));
    expect(loginAddressKey('unknown')).toBe('other:unknown');
  });
});

describe('request guard', () => {
  const guard = createRequestGuard({
    bindHost: '127.0.0.1',
    allowedHosts: ['box.local'],
    allowedOrigins: [],
  });
  it('accepts loopback and configured hosts, refuses others (DNS rebinding)', () => {
    expect(guard.check({ host: '127.0.0.1:3333' })).toBeNull();
    expect(guard.check({ host: 'localhost:3333' })).toBeNull();
    expect(guard.check({ host: '[::1]:3333' })).toBeNull();
    expect(guard.check({ host: 'box.local:3333' })).toBeNull();
    expect(guard.check({ host: 'evil.example' })).toMatch(/Host/);
    expect(guard.check({})).toMatch(/Host/);
  });
  it('refuses cross-origin browser requests, allows same origin and requests without Origin', () => {
    expect(guard.check({ host: '127.0.0.1:3333', origin: 'http://127.0.0.1:3333' })).toBeNull();
    expect(guard.check({ host: '127.0.0.1:3333', origin: 'http://localhost:5173' })).toBeNull();
    expect(guard.check({ host: '127.0.0.1:3333', origin: 'http://evil.example' })).toMatch(/Origin/);
    expect(guard.check({ host: '127.0.0.1:3333', origin: 'null' })).toMatch(/Origin/);
    expect(guard.check({ host: 'box.local:3333', origin: 'http://box.local:3333' })).toBeNull();
  });
});
