/**
 * Flightdeck's service worker (served at /sw.js, scope /). It shows the server's Web Push messages — an approval
 * with Allow / Deny actions, or an alert — and sends a decision taken on the notification to `approvals.decide`
 * (same origin, HTTP POST, the dashboard's auth cookie goes with it; `via: 'push'`).
 *
 * Push message (JSON, as the server sends it):
 *   { type: 'approval', approval: ApprovalView, dedupeKey } | { type: 'alert', title, body, sessionId, dedupeKey }
 *
 * Plain JavaScript served as is (no build step): `oneLine`/`headline`/`where` word an approval as
 * src/lib/approvals.ts does for the page's own notifications.
 */

const ICON = '/icons/icon-192.png';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function oneLine(text, max) {
  const flat = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function headline(a) {
  const r = a.rendering ?? {};
  if (r.kind === 'command') return `${r.title} \`${oneLine(r.text, 60)}\``;
  if (r.kind === 'question') return oneLine(r.questions?.[0]?.question ?? r.title, 90);
  return oneLine(r.title || a.tool || 'An agent asks', 90);
}

function where(a) {
  const project = a.project ? `project ${a.project}` : `session ${String(a.sessionId).slice(0, 8)}`;
  return a.sessionTitle ? `${project} · ${oneLine(a.sessionTitle, 60)}` : project;
}

function sentence(text) {
  const t = String(text ?? '').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** The notification a push message asks for (a push must always show one: `userVisibleOnly`). */
function notificationOf(msg) {
  if (msg?.type === 'approval' && msg.approval && typeof msg.approval.id === 'string') {
    const a = msg.approval;
    return {
      title: `${headline(a)} — ${a.project ?? String(a.sessionId).slice(0, 8)}`,
      options: {
        body: `${where(a)}\n${a.decidable ? 'Allow or deny here.' : (a.notDecidableReason ?? 'Answer in the terminal.')}`,
        tag: `flightdeck-${a.sessionId}`,
        renotify: true,
        requireInteraction: a.decidable === true,
        icon: ICON,
        data: { approvalId: a.id, sessionId: a.sessionId, headline: headline(a) },
        actions: a.decidable
          ? [
              { action: 'allow', title: 'Allow' },
              { action: 'deny', title: 'Deny' },
            ]
          : [],
      },
    };
  }
  if (msg?.type === 'alert') {
    return {
      title: oneLine(msg.title || 'Flightdeck', 120),
      options: {
        body: oneLine(msg.body, 300),
        tag: msg.dedupeKey ? `flightdeck-alert-${msg.dedupeKey}` : undefined,
        icon: ICON,
        data: { sessionId: typeof msg.sessionId === 'string' ? msg.sessionId : null },
      },
    };
  }
  return { title: 'Flightdeck', options: { body: 'An agent needs you.', icon: ICON, data: {} } };
}

self.addEventListener('push', (event) => {
  let msg = null;
  try {
    msg = event.data ? event.data.json() : null;
  } catch {
    msg = null;
  }
  const { title, options } = notificationOf(msg);
  event.waitUntil(self.registration.showNotification(title, options));
});

/** Sends the decision; says what came of it in a notification that replaces the approval's. */
async function decide(data, behavior) {
  let text;
  try {
    const res = await fetch('/trpc/approvals.decide', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: data.approvalId, behavior, via: 'push' }),
    });
    const body = await res.json().catch(() => null);
    if (res.ok) text = behavior === 'allow' ? 'Allowed' : 'Denied';
    else text = sentence(body?.error?.message ?? `The server answered ${res.status}`);
  } catch (err) {
    text = `Could not reach Flightdeck: ${err instanceof Error ? err.message : String(err)}`;
  }
  await self.registration.showNotification(text, {
    body: data.headline ?? '',
    tag: `flightdeck-${data.sessionId}`,
    icon: ICON,
    silent: true,
    data: { sessionId: data.sessionId },
  });
}

/** Shows the approval (or the session) in an open dashboard, else opens one there. */
async function show(data) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const client = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (client) {
    client.postMessage(
      data.approvalId
        ? { type: 'focus-approval', approvalId: data.approvalId }
        : { type: 'open-session', sessionId: data.sessionId ?? null },
    );
    // Allowed from a notification click only; the page shows the approval either way.
    await client.focus().catch(() => undefined);
    return;
  }
  const url = data.approvalId
    ? `/?approval=${encodeURIComponent(data.approvalId)}#/`
    : data.sessionId
      ? `/#/session/${encodeURIComponent(data.sessionId)}`
      : '/';
  await self.clients.openWindow(url);
}

self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data ?? {};
  event.notification.close();
  if ((event.action === 'allow' || event.action === 'deny') && data.approvalId) {
    event.waitUntil(decide(data, event.action));
    return;
  }
  event.waitUntil(show(data));
});
