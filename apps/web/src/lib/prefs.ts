import { createSignal } from 'solid-js';

/** User preferences kept in localStorage (per browser). */
export interface Prefs {
  theme: 'system' | 'light' | 'dark';
  sound: boolean;
  notifications: boolean;
  /** Notify when an agent finishes its turn, not only when it needs you. */
  notifyOnDone: boolean;
}

const KEY = 'flightdeck.prefs';
const defaults: Prefs = { theme: 'system', sound: false, notifications: false, notifyOnDone: false };

function load(): Prefs {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    if (!raw) return { ...defaults };
    const parsed = JSON.parse(raw) as Partial<Prefs>;
    return {
      theme: parsed.theme === 'light' || parsed.theme === 'dark' ? parsed.theme : 'system',
      sound: parsed.sound === true,
      notifications: parsed.notifications === true,
      notifyOnDone: parsed.notifyOnDone === true,
    };
  } catch {
    return { ...defaults };
  }
}

const [prefs, setPrefsSignal] = createSignal<Prefs>(load());

export { prefs };

export function setPrefs(patch: Partial<Prefs>): void {
  const next = { ...prefs(), ...patch };
  setPrefsSignal(next);
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
  } catch {
    // storage unavailable (private mode): keep in memory
  }
}

export function applyTheme(theme: Prefs['theme']): void {
  if (typeof document === 'undefined') return;
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
