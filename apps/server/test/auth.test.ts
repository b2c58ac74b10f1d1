import { describe, expect, it } from 'vitest';
import {
  authCookie,
  createRateLimiter,
  createRequestGuard,
  createTokenStore,
  extractToken,
  hashPassword,
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

  it('rate limiter: 5 per window per key', () => {
    let now = 0;
    const rl = createRateLimiter(5, 60_000, () => now);
    for (let i = 0; i < 5; i++) expect(rl.hit('ip')).toBe(true);
    expect(rl.hit('ip')).toBe(false);
    expect(rl.hit('other')).toBe(true);
    now += 60_001;
    expect(rl.hit('ip')).toBe(true);
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
