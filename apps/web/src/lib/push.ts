import type { Api, PushSubscriptionData } from '../data/types.js';

/** The service worker (public/sw.js): push notifications with Allow / Deny, served at the root of the dashboard. */
export const SERVICE_WORKER_URL = '/sw.js';

/** Registers the service worker (the app still works without one: no push then). */
export function registerServiceWorker(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' }).catch(() => undefined);
}

/** A base64url string (a VAPID public key) as bytes, as `pushManager.subscribe` takes it. */
export function base64UrlToBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Whether this browser can receive Web Push at all (a service worker, the Push API, a secure context). */
export function pushSupported(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    typeof window !== 'undefined' &&
    'PushManager' in window &&
    window.isSecureContext
  );
}

/**
 * "Enable push on this device": asks the notification permission (call it from a click), subscribes with the
 * server's VAPID public key and sends the subscription to the server. Resolves to what happened, in words.
 */
export async function enablePush(api: Pick<Api, 'vapidPublicKey' | 'subscribePush'>): Promise<string> {
  if (!pushSupported()) {
    return 'This browser cannot receive push messages here (it needs a service worker and HTTPS or localhost).';
  }
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') return 'Notifications are blocked for this site in the browser settings.';
  const key = await api.vapidPublicKey();
  if (!key) return 'The server has no push key (Web Push is not set up on it).';
  const reg = await navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' });
  await navigator.serviceWorker.ready;
  const applicationServerKey = base64UrlToBytes(key);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made with another server key cannot receive this server's messages: make a new one.
  if (sub && !sameKey(sub.options.applicationServerKey, applicationServerKey)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  await api.subscribePush(sub.toJSON() as PushSubscriptionData);
  return 'Push is on for this device.';
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}
