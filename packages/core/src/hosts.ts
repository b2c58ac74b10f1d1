/**
 * Sessions on other machines (issue 19). The core knows the name of the machine the server runs on
 * (`CoreConfig.localHost`); a session whose `host` is another machine never gets a local process check or kill
 * (its PID means nothing here: the same number may be an unrelated local process). Its liveness comes from its
 * host's forwarder instead: a `process-gone` input (a PID its host reported dead) ends it as the local liveness
 * check ends a local session. Without `localHost` every session is local (one machine, as before).
 */
import { closeIfEnded } from './approvals-hold.js';
import { endSession } from './events.js';
import { PROCESS_EXITED_END_REASON } from './plain.js';
import { entriesOf } from './pmap.js';
import { Tx } from './tx.js';
import type { CoreInput, CoreState, Effect } from './types.js';

type Reduced = { state: CoreState; effects: Effect[] };

export const MAX_HOST_NAME = 256;

/** True when `host` (a session's, or an event's `meta.host`) is another machine than this server's. */
export function isRemoteHost(state: CoreState, host: string | null | undefined): boolean {
  const local = state.config?.localHost;
  return local !== undefined && typeof host === 'string' && host !== '' && host !== local;
}

/** A PID on host `host` is gone (its forwarder's report): the live sessions of that host with that PID end. */
export function processGone(
  state: CoreState,
  input: Extract<CoreInput, { type: 'process-gone' }>,
  now: number,
): Reduced {
  const reject = (reason: string): Reduced => ({ state, effects: [{ type: 'rejected', reason }] });
  if (typeof input.host !== 'string' || input.host === '' || input.host.length > MAX_HOST_NAME)
    return reject('process-gone: host: expected a host name');
  if (!Number.isSafeInteger(input.pid) || input.pid <= 0)
    return reject('process-gone: pid: expected a positive integer');
  // Processes of this machine are checked here; another machine's word on them is not taken.
  if (!isRemoteHost(state, input.host))
    return reject(`process-gone: host: ${input.host} is this machine (its processes are checked locally)`);
  const ids: string[] = [];
  for (const [id, s] of entriesOf(state.sessions)) {
    if (s.host === input.host && s.pid === input.pid && s.status !== 'ended') ids.push(id);
  }
  if (ids.length === 0) return { state, effects: [] };
  const tx = new Tx(state, now);
  for (const id of ids) {
    tx.cancelSessionTimer(id, 'kill');
    endSession(tx, id, 'pid', 'process-gone', PROCESS_EXITED_END_REASON, now);
    closeIfEnded(tx, id);
  }
  return tx.finish();
}
