import { getOwn } from './pmap.js';
import { Tx } from './tx.js';
import type { CoreInput, CoreState, Effect, KillActor, ProcessIdentity, ProcessRecord } from './types.js';

type Reduced = { state: CoreState; effects: Effect[] };
type Identified = Extract<CoreInput, { type: 'process-identified' }>;

const MAX_TEXT = 8192;

function isIdentity(v: unknown, pid: number): v is ProcessIdentity {
  if (v === null || typeof v !== 'object') return false;
  const i = v as Record<string, unknown>;
  return (
    i.pid === pid &&
    typeof i.boot === 'string' &&
    Number.isSafeInteger(i.startTicks) &&
    (i.startTicks as number) >= 0 &&
    Number.isSafeInteger(i.uid) &&
    (i.uid as number) >= 0 &&
    Array.isArray(i.cmdline) &&
    i.cmdline.length > 0 &&
    i.cmdline.every((a) => typeof a === 'string') &&
    (i.exe === null || typeof i.exe === 'string')
  );
}

/**
 * Records the shell's answer to `watch-pid` in the session's runtime entry (persisted with the state, so a
 * restart keeps it). An answer for a PID the session no longer has is stale: nothing changes.
 */
export function recordProcess(state: CoreState, input: Identified, now: number): Reduced {
  const reject = (reason: string): Reduced => ({ state, effects: [{ type: 'rejected', reason }] });
  if (typeof input.sessionId !== 'string' || input.sessionId === '')
    return reject('process-identified: sessionId: expected string');
  if (!Number.isSafeInteger(input.pid) || input.pid <= 0)
    return reject('process-identified: pid: expected a positive integer');
  if (input.identity !== null && !isIdentity(input.identity, input.pid))
    return reject('process-identified: identity: expected pid, boot, startTicks, uid, cmdline and exe');
  if (input.identity === null && (typeof input.refused !== 'string' || input.refused === ''))
    return reject('process-identified: refused: expected the reason when there is no identity');
  const s = getOwn(state.sessions, input.sessionId);
  if (!s || s.pid !== input.pid) return { state, effects: [] };
  const record: ProcessRecord =
    input.identity !== null
      ? { pid: input.pid, identity: input.identity, refused: null }
      : { pid: input.pid, identity: null, refused: String(input.refused).slice(0, MAX_TEXT) };
  const tx = new Tx(state, now);
  tx.patchRuntime(input.sessionId, { process: record });
  return { state: tx.state, effects: [] };
}

/**
 * The identity to signal for session `id`, or why there is none: only a process recorded for the session's
 * current PID is ever signalled.
 */
export function killTarget(tx: Tx, id: string): { identity: ProcessIdentity } | { refused: string } {
  const s = tx.session(id);
  const pid = s?.pid ?? null;
  if (pid === null) return { refused: `session ${id} has no known pid` };
  const rec = tx.runtime(id).process ?? null;
  if (!rec || rec.pid !== pid)
    return { refused: `process ${pid} of session ${id} has not been identified yet (try again in a moment)` };
  if (!rec.identity) return { refused: `process ${pid} is not the agent of session ${id} (${rec.refused})` };
  return { identity: rec.identity };
}

/** `by 127.0.0.1 (authenticated)` for the event log. */
export function describeActor(by: KillActor | undefined): string {
  if (!by || typeof by !== 'object' || typeof by.address !== 'string') return 'from the dashboard';
  const address = by.address.slice(0, 100) || 'an unknown address';
  const auth = by.authenticated === true ? 'authenticated' : 'not authenticated';
  return `from the dashboard by ${address} (${auth})`;
}
