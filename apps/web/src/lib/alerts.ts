import type { SessionStatus } from '@flightdeck/shared-types';
import type { ApprovalView, FiredAlert, LiveSession } from '../data/types.js';
import { approvalHeadline, approvalWhere } from './approvals.js';
import { prefs } from './prefs.js';
import { displayTitle, STATUS_META } from './status.js';

let audio: AudioContext | null = null;
let lastChime = 0;

/** A short two-tone chime (no audio file needed); one at a time (a status change and its approval chime once). */
export function chime(urgent: boolean): void {
  const t = Date.now();
  if (t - lastChime < 1000) return;
  lastChime = t;
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    const tones = urgent ? [880, 660] : [523, 784];
    tones.forEach((freq, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      osc.type = 'sine';
      const start = ctx.currentTime + i * 0.14;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.13);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.14);
    });
  } catch {
    // no audio available
  }
}

/**
 * A system notification that works where `new Notification()` does and where only the service worker may show
 * one (Chrome on Android throws on the constructor).
 */
function notify(title: string, options: NotificationOptions, onClick: () => void): void {
  try {
    const n = new Notification(title, options);
    n.onclick = () => {
      window.focus();
      n.close();
      onClick();
    };
  } catch {
    void navigator.serviceWorker?.ready
      .then((reg) => reg.showNotification(title, options))
      .catch(() => undefined);
  }
}

/**
 * Called when an approval opens: the sound and a system notification saying which session asks and what it needs
 * ("Bash wants to run `npm publish` — project x"); clicking it shows that approval (`onClick`).
 */
export function alertOnApproval(approval: ApprovalView, onClick: () => void): void {
  const p = prefs();
  if (p.sound) chime(true);
  if (!p.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted')
    return;
  notify(
    `${approvalHeadline(approval)} — ${approval.project ?? approval.sessionId.slice(0, 8)}`,
    {
      body: `${approvalWhere(approval)}\n${approval.decidable ? 'Allow or deny in Flightdeck.' : (approval.notDecidableReason ?? 'Answer in the terminal.')}`,
      // One notification per session: a newer request replaces the older one, and the status change's own.
      tag: `flightdeck-${approval.sessionId}`,
      data: { approvalId: approval.id, sessionId: approval.sessionId },
      requireInteraction: approval.decidable,
    },
    onClick,
  );
}

/**
 * Called on each status change from the live store: sound and browser notification, per preferences. Approvals
 * are announced by `alertOnApproval` (with what is asked), not here.
 */
export function alertOnTransition(session: LiveSession, previous: SessionStatus | null): void {
  if (previous === null || session.status === 'approval') return;
  const meta = STATUS_META[session.status];
  const done = session.status === 'waiting' && (previous === 'working' || previous === 'prompting');
  if (!meta.needsYou && !(done && prefs().notifyOnDone)) return;
  const p = prefs();
  if (p.sound) chime(meta.needsYou);
  if (p.notifications && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    notify(
      `${meta.label}: ${displayTitle(session)}`,
      { body: session.waitingDetail ?? session.statusReason.detail, tag: `flightdeck-${session.sessionId}` },
      () => {
        window.location.hash = `#/session/${encodeURIComponent(session.sessionId)}`;
      },
    );
  }
}

/**
 * An alert rule fired for this page (`alerts.live`): `in-app` shows it in the page (`toast`), `browser` as a
 * system notification (with the sound) when notifications are on; a click opens its session. The built-in
 * "approval opened" rule is left to `alertOnApproval`, which says what is asked and shows the approval itself.
 */
export function alertOnRule(
  alert: FiredAlert,
  show: { toast: (text: string) => void; openSession: (sessionId: string) => void },
): void {
  if (alert.condition === 'approval-opened') return;
  if (alert.channels.includes('in-app'))
    show.toast(alert.body ? `${alert.title} — ${alert.body}` : alert.title);
  if (!alert.channels.includes('browser')) return;
  const p = prefs();
  if (p.sound) chime(true);
  if (!p.notifications || typeof Notification === 'undefined' || Notification.permission !== 'granted')
    return;
  notify(alert.title, { body: alert.body, tag: `flightdeck-alert-${alert.dedupeKey}` }, () => {
    if (alert.sessionId) show.openSession(alert.sessionId);
  });
}
