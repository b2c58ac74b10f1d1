import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PushSubscriptionData } from '../src/data/types.js';
import { base64UrlToBytes, enablePush } from '../src/lib/push.js';

// A P-256 public key (65 bytes, uncompressed) in base64url, as the server's `alerts.vapidPublicKey` sends it.
const VAPID = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** The browser side of push (service worker registration, push manager), recording what the page asks of it. */
function stubBrowser(opts: { permission?: NotificationPermission; existingKey?: Uint8Array } = {}) {
  const calls: string[] = [];
  const json: PushSubscriptionData = {
    endpoint: 'https://push.example/abc',
    expirationTime: null,
    keys: { p256dh: 'p', auth: 'a' },
  };
  const subscription = (key: ArrayBuffer) => ({
    options: { applicationServerKey: key },
    toJSON: () => json,
    unsubscribe: async () => {
      calls.push('unsubscribe');
      return true;
    },
  });
  let subscribedWith: Uint8Array | null = null;
  const reg = {
    pushManager: {
      getSubscription: async () =>
        opts.existingKey ? subscription(opts.existingKey.slice().buffer as ArrayBuffer) : null,
      subscribe: async (o: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }) => {
        calls.push(`subscribe userVisibleOnly=${o.userVisibleOnly}`);
        subscribedWith = o.applicationServerKey;
        return subscription(o.applicationServerKey.buffer as ArrayBuffer);
      },
    },
  };
  vi.stubGlobal('Notification', {
    requestPermission: async () => {
      calls.push('requestPermission');
      return opts.permission ?? 'granted';
    },
  });
  vi.stubGlobal('PushManager', class {});
  vi.stubGlobal('isSecureContext', true);
  Object.defineProperty(navigator, 'serviceWorker', {
    configurable: true,
    value: {
      register: async (url: string) => {
        calls.push(`register ${url}`);
        return reg;
      },
      ready: Promise.resolve(reg),
    },
  });
  return { calls, json, subscribedWith: () => subscribedWith };
}

describe('push on this device', () => {
  it('decodes the base64url VAPID key to its 65 bytes', () => {
    const bytes = base64UrlToBytes(VAPID);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(0x04);
    expect(Buffer.from(bytes).toString('base64url')).toBe(VAPID);
  });

  it('asks the permission, subscribes with the server key and sends the subscription', async () => {
    const b = stubBrowser();
    const sent: PushSubscriptionData[] = [];
    const result = await enablePush({
      vapidPublicKey: async () => VAPID,
      subscribePush: async (s) => {
        sent.push(s);
      },
    });
    expect(result).toBe('Push is on for this device.');
    expect(b.calls).toEqual(['requestPermission', 'register /sw.js', 'subscribe userVisibleOnly=true']);
    expect(Buffer.from(b.subscribedWith()!).toString('base64url')).toBe(VAPID);
    expect(sent).toEqual([b.json]);
  });

  it('replaces a subscription made with another server key, and stops when the permission is refused', async () => {
    const b = stubBrowser({ existingKey: new Uint8Array(65).fill(7) });
    await enablePush({ vapidPublicKey: async () => VAPID, subscribePush: async () => undefined });
    expect(b.calls).toEqual([
      'requestPermission',
      'register /sw.js',
      'unsubscribe',
      'subscribe userVisibleOnly=true',
    ]);

    const refused = stubBrowser({ permission: 'denied' });
    const sent: unknown[] = [];
    const result = await enablePush({
      vapidPublicKey: async () => VAPID,
      subscribePush: async (s) => {
        sent.push(s);
      },
    });
    expect(result).toMatch(/blocked/);
    expect(refused.calls).toEqual(['requestPermission']);
    expect(sent).toEqual([]);
  });
});
