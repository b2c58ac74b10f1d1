import { forgetSession } from './evict.js';
import { isRemoteHost } from './hosts.js';
import { LIMITS } from './limits.js';
import { getOwn, own } from './pmap.js';
import { describeActor, killTarget } from './process.js';
import { applyQueueAction } from './queue.js';
import { titleFromPrompt } from './session.js';
import { logEvent } from './state-machine.js';
import { Tx } from './tx.js';
import type { CoreState, Effect, UserAction } from './types.js';

/** SIGKILL follows a SIGTERM after this long if the process is still alive. */
export const KILL_ESCALATION_MS = 3_000;

const COLOR_RE = /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,32}|(rgb|rgba|hsl|hsla|oklch|oklab)\([0-9.,%\s/-]{1,48}\))$/;

type Reduced = { state: CoreState; effects: Effect[] };

/** Dashboard actions on a session. Invalid actions are rejected with a reason naming the field. */
export function applyUserAction(state: CoreState, action: UserAction, now: number): Reduced {
  const reject = (reason: string): Reduced => ({ state, effects: [{ type: 'rejected', reason }] });
  if (action === null || typeof action !== 'object') return reject('user.action: expected object');
  const a = action as UserAction;
  if (typeof a.sessionId !== 'string' || a.sessionId === '')
    return reject(`${String(a.type)}: sessionId: expected string`);
  const id = getOwn(state.sessions, a.sessionId)
    ? a.sessionId
    : (own(state.aliases, a.sessionId) ?? a.sessionId);
  const s = getOwn(state.sessions, id);
  if (!s) return reject(`${a.type}: unknown session ${a.sessionId}`);
  const tx = new Tx(state, now);
  switch (a.type) {
    case 'set-title': {
      if (typeof a.title !== 'string') return reject('set-title: title: expected string');
      const title = a.title.trim();
      if (title.length > LIMITS.userTitle)
        return reject(`set-title: title: at most ${LIMITS.userTitle} characters`);
      if (title === '') {
        // Back to the automatic title.
        const first = s.promptHistory.find((p) => p.text.trim() !== '');
        tx.patch(id, { title: first ? titleFromPrompt(first.text) : s.projectName });
        tx.patchRuntime(id, { titleSource: first ? 'prompt' : 'default' });
      } else {
        tx.patch(id, { title });
        tx.patchRuntime(id, { titleSource: 'user' });
      }
      break;
    }
    case 'set-label': {
      if (a.label !== null && typeof a.label !== 'string')
        return reject('set-label: label: expected string or null');
      const label = a.label === null ? null : a.label.trim();
      if (label !== null && label.length > LIMITS.label)
        return reject(`set-label: label: at most ${LIMITS.label} characters`);
      tx.patch(id, { label: label === '' ? null : label });
      break;
    }
    case 'set-accent-color': {
      if (a.color !== null && (typeof a.color !== 'string' || !COLOR_RE.test(a.color))) {
        return reject(
          'set-accent-color: color: expected a CSS colour (#rgb, #rrggbb, name, rgb()/hsl()) or null',
        );
      }
      tx.patch(id, { accentColor: a.color });
      break;
    }
    case 'archive':
    case 'unarchive':
      tx.patch(id, { archived: a.type === 'archive' });
      break;
    case 'delete': {
      forgetSession(tx, id);
      tx.emit({ type: 'session-removed', sessionId: id });
      break;
    }
    case 'kill': {
      if (s.pid === null) return reject(`kill: session ${id} has no known pid`);
      if (s.status === 'ended') return reject(`kill: session ${id} has already ended`);
      if (isRemoteHost(tx.state, s.host))
        return reject(
          `kill: session ${id} runs on host ${s.host}: Flightdeck signals processes of this machine only`,
        );
      const target = killTarget(tx, id);
      if ('refused' in target) return reject(`kill: ${target.refused}`);
      tx.emit({ type: 'kill-pid', sessionId: id, pid: s.pid, signal: 'SIGTERM', identity: target.identity });
      tx.armSessionTimer(id, 'kill', now + KILL_ESCALATION_MS);
      tx.patchRuntime(id, { killRequestedAt: now });
      logEvent(tx, id, 'kill', `Killed ${describeActor(a.by)}: SIGTERM sent to ${s.pid}`, now);
      break;
    }
    case 'queue-add':
    case 'queue-edit':
    case 'queue-remove':
    case 'queue-reorder': {
      const refused = applyQueueAction(tx, id, a);
      if (refused) return reject(refused);
      break;
    }
    default:
      return reject(`user.action.type: unknown action ${JSON.stringify((a as { type?: unknown }).type)}`);
  }
  return tx.finish();
}
