import type { SessionStatus } from '@flightdeck/shared-types';
import type { LiveSession } from '../data/types.js';
import { prefs } from './prefs.js';
import { displayTitle, STATUS_META } from './status.js';

let audio: AudioContext | null = null;

/** A short two-tone chime (no audio file needed). */
export function chime(urgent: boolean): void {
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

/** Called on each status change from the live store: sound and browser notification, per preferences. */
export function alertOnTransition(session: LiveSession, previous: SessionStatus | null): void {
  if (previous === null) return;
  const meta = STATUS_META[session.status];
  const done = session.status === 'waiting' && (previous === 'working' || previous === 'prompting');
  if (!meta.needsYou && !(done && prefs().notifyOnDone)) return;
  const p = prefs();
  if (p.sound) chime(meta.needsYou);
  if (p.notifications && typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    const n = new Notification(`${meta.label}: ${displayTitle(session)}`, {
      body: session.waitingDetail ?? session.statusReason.detail,
      tag: `flightdeck-${session.sessionId}`,
    });
    n.onclick = () => {
      window.focus();
      window.location.hash = `#/session/${encodeURIComponent(session.sessionId)}`;
    };
  }
}
