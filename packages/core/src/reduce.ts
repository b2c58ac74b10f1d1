import { AGENT_CLIS, hookEventName } from '@flightdeck/shared-types';
import { applyAlertRules, evaluateAlerts, fireAlertTimer } from './alerts.js';
import { childrenChecked, fireHeuristic } from './approvals.js';
import {
  closeIfEnded,
  closeOnEvent,
  closeOnInterrupt,
  decideHold,
  fireHoldGone,
  fireHoldTimer,
  holdEnded,
  openHold,
  parseHoldSeconds,
} from './approvals-hold.js';
import { applyEvent, endSession } from './events.js';
import { evictEnded } from './evict.js';
import { isRemoteHost, MAX_HOST_NAME, processGone } from './hosts.js';
import { PENDING_LINK_TTL_MS } from './matcher.js';
import { cleanMeta } from './meta.js';
import { normalize } from './normalize.js';
import { applyOtel } from './otel.js';
import { PROCESS_EXITED_END_REASON } from './plain.js';
import { emptyPMap, getOwn, keysOf, own } from './pmap.js';
import { parsePricing } from './pricing.js';
import { killTarget, recordProcess } from './process.js';
import { queueUndelivered, settleQueues } from './queue.js';
import { createSession } from './session.js';
import { AUTO_IDLE, fireAutoIdle, liveChecked, logEvent, syncAutoIdle } from './state-machine.js';
import { fireTeamCleanup } from './teams.js';
import { applyTranscript } from './transcript.js';
import { Tx } from './tx.js';
import type { CoreConfig, CoreInput, CoreState, Effect, Session, SessionRuntime } from './types.js';
import { repriceAll } from './usage.js';
import { applyUserAction } from './user-actions.js';

/** An empty state. */
export function initialState(): CoreState {
  return {
    sessions: emptyPMap<Session>(),
    teams: {},
    runtime: emptyPMap<SessionRuntime>(),
    aliases: {},
    pendingResumes: [],
    pendingLinks: [],
    pendingSubagents: [],
    teamTimers: {},
    seq: 0,
    lastRestoreAt: null,
  };
}

type Reduced = { state: CoreState; effects: Effect[] };

function rejected(state: CoreState, reason: string): Reduced {
  return { state, effects: [{ type: 'rejected', reason }] };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v.length <= 4096;
}

/**
 * The whole domain logic: applies one input at time `now` and returns the new state plus the effects the
 * shell must run. Pure and deterministic; never throws (bad input → state unchanged + a `rejected` effect).
 */
export function reduce(state: CoreState, input: CoreInput, now: number): Reduced {
  try {
    if (!Number.isFinite(now)) return rejected(state, 'now: expected a finite number');
    return evaluateAlerts(settleQueues(step(state, input, now), now), now);
  } catch (err) {
    return rejected(state, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function resolveId(state: CoreState, id: string): string {
  return getOwn(state.sessions, id) ? id : (own(state.aliases, id) ?? id);
}

function step(state: CoreState, input: CoreInput, now: number): Reduced {
  if (!isObj(input)) return rejected(state, 'input: expected object');
  switch (input.type) {
    case 'hook': {
      const env = input.envelope;
      if (!isObj(env)) return rejected(state, 'hook.envelope: expected object');
      const r = normalize(env);
      if (!r.ok) {
        return rejected(state, `${String(env.cli)} ${hookEventName(env.payload) ?? 'hook'}: ${r.error}`);
      }
      const meta = cleanMeta(env.meta);
      const tx = new Tx(state, now);
      for (const ev of r.events) {
        const id = applyEvent(tx, ev, meta);
        closeOnEvent(tx, id, ev);
        openHold(tx, id, ev, meta);
      }
      return tx.finish();
    }
    case 'timer':
      return onTimer(state, input, now);
    case 'pid-dead': {
      if (!nonEmpty(input.sessionId) || typeof input.pid !== 'number') {
        return rejected(state, 'pid-dead: expected sessionId and pid');
      }
      const id = resolveId(state, input.sessionId);
      const s = getOwn(state.sessions, id);
      // stale (the session moved on to another process) or already ended: nothing to do; a session of another
      // machine is not ended by a check of this one (its host reports its PIDs: `process-gone`)
      if (!s || s.pid !== input.pid || s.status === 'ended' || isRemoteHost(state, s.host))
        return { state, effects: [] };
      const tx = new Tx(state, now);
      tx.cancelSessionTimer(id, 'kill');
      endSession(tx, id, 'pid', 'pid-dead', PROCESS_EXITED_END_REASON, now);
      closeIfEnded(tx, id);
      return tx.finish();
    }
    case 'process-gone':
      return processGone(state, input, now);
    case 'process-identified':
      // A session of another machine: no local process record (its PID is not this machine's).
      if (
        typeof input.sessionId === 'string' &&
        isRemoteHost(state, getOwn(state.sessions, resolveId(state, input.sessionId))?.host)
      )
        return { state, effects: [] };
      return recordProcess(state, input, now);
    case 'children-checked': {
      if (!nonEmpty(input.sessionId) || !nonEmpty(input.key) || typeof input.hasChildren !== 'boolean') {
        return rejected(state, 'children-checked: expected sessionId, key and hasChildren');
      }
      const id = resolveId(state, input.sessionId);
      const tx = new Tx(state, now);
      const before = getOwn(state.sessions, id)?.status;
      if (liveChecked(tx, id, input.key, input.hasChildren)) return tx.finish();
      if (!childrenChecked(tx, id, input.key, input.hasChildren)) return { state, effects: [] };
      if (tx.session(id)?.status !== before) syncAutoIdle(tx, id, true);
      return tx.finish();
    }
    case 'terminal-created': {
      if (!nonEmpty(input.terminalId) || !nonEmpty(input.workDir) || !AGENT_CLIS.includes(input.cli)) {
        return rejected(state, 'terminal-created: expected terminalId, workDir and cli');
      }
      const tx = new Tx(state, now);
      const links = state.pendingLinks.filter((l) => l.expiresAt >= now && l.terminalId !== input.terminalId);
      const resuming = state.pendingResumes.some((r) => r.terminalId === input.terminalId);
      if (!resuming) {
        links.push({
          terminalId: input.terminalId,
          workDir: input.workDir,
          cli: input.cli,
          expiresAt: now + PENDING_LINK_TTL_MS,
        });
        if (!getOwn(state.sessions, input.terminalId)) {
          const s = createSession({
            sessionId: input.terminalId,
            cli: input.cli,
            projectPath: input.workDir,
            source: 'flightdeck',
            now,
            status: 'connecting',
            trigger: 'terminal-created',
            detail: `Terminal ${input.terminalId} starting ${input.cli}`,
          });
          tx.putSession({ ...s, terminalId: input.terminalId });
          logEvent(
            tx,
            input.terminalId,
            'terminal-created',
            `Waiting for ${input.cli} in ${input.workDir}`,
            now,
          );
        }
      }
      tx.state.pendingLinks = links;
      return tx.finish();
    }
    case 'resume-requested': {
      if (!nonEmpty(input.sessionId) || !nonEmpty(input.terminalId)) {
        return rejected(state, 'resume-requested: expected sessionId and terminalId');
      }
      const id = resolveId(state, input.sessionId);
      if (!getOwn(state.sessions, id))
        return rejected(state, `resume-requested: unknown session ${input.sessionId}`);
      const tx = new Tx(state, now);
      tx.state.pendingResumes = [
        ...state.pendingResumes.filter((r) => r.sessionId !== id && r.terminalId !== input.terminalId),
        { sessionId: id, terminalId: input.terminalId, at: now },
      ];
      // A placeholder card for the same terminal is redundant: the resumed card stands for it.
      const placeholder = getOwn(state.sessions, input.terminalId);
      if (placeholder && placeholder.status === 'connecting' && input.terminalId !== id) {
        tx.cancelAllSessionTimers(input.terminalId);
        tx.dropSession(input.terminalId);
        tx.emit({ type: 'session-removed', sessionId: input.terminalId });
      }
      tx.state.pendingLinks = state.pendingLinks.filter((l) => l.terminalId !== input.terminalId);
      tx.patch(id, { terminalId: input.terminalId });
      logEvent(tx, id, 'resume-requested', `Resume requested in terminal ${input.terminalId}`, now);
      return tx.finish();
    }
    case 'user': {
      const out = applyUserAction(state, input.action, now);
      // A deleted session's held approvals close with it (its hooks are let go).
      if (input.action?.type !== 'delete') return out;
      return sweepHolds(out, input.action.sessionId, now, closeIfEnded);
    }
    case 'transcript':
      return sweepHolds(applyTranscript(state, input, now), input.sessionId, now, closeOnInterrupt);
    case 'approval-decide': {
      const tx = new Tx(state, now);
      const refused = decideHold(tx, input);
      return refused ? { state, effects: [refused] } : tx.finish();
    }
    case 'hold-ended': {
      if (!nonEmpty(input.approvalId)) return rejected(state, 'hold-ended: expected approvalId');
      const tx = new Tx(state, now);
      const reason = typeof input.reason === 'string' ? input.reason : undefined;
      return holdEnded(tx, input.approvalId, reason) ? tx.finish() : { state, effects: [] };
    }
    case 'queue-undelivered':
      return queueUndelivered(state, input, now);
    case 'otel':
      return applyOtel(state, input, now);
    case 'configure':
      return configure(state, input.config, now);
    case 'alert-rules':
      return applyAlertRules(state, input.rules, now);
    case 'evict-ended':
      return evictEnded(state, input.before, now);
    default:
      return rejected(
        state,
        `input.type: unknown input type ${JSON.stringify((input as { type?: unknown }).type)}`,
      );
  }
}

/** After an input applied elsewhere: `close` the held approvals of the session that it ended (if any are open). */
function sweepHolds(
  out: Reduced,
  sessionId: unknown,
  now: number,
  close: (tx: Tx, id: string) => void,
): Reduced {
  if (!out.state.approvals || typeof sessionId !== 'string') return out;
  const tx = new Tx(out.state, now);
  close(tx, resolveId(out.state, sessionId));
  if (tx.effects.length === 0) return out;
  const more = tx.finish();
  return { state: more.state, effects: [...out.effects, ...more.effects] };
}

/** Settings from the shell: validated, stored in the state (the auto-idle timers pick them up when next armed). */
function configure(state: CoreState, config: CoreConfig, now: number): Reduced {
  if (!isObj(config) || !isObj(config.autoIdleMs))
    return rejected(state, 'configure: expected config.autoIdleMs');
  const autoIdleMs: CoreConfig['autoIdleMs'] = {};
  for (const [status, ms] of Object.entries(config.autoIdleMs)) {
    if (!Object.hasOwn(AUTO_IDLE, status))
      return rejected(state, `configure.autoIdleMs: ${JSON.stringify(status)} has no auto-idle timeout`);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 1000 || ms > 7 * 86_400_000)
      return rejected(state, `configure.autoIdleMs.${status}: expected milliseconds from 1000 to 7 days`);
    autoIdleMs[status as keyof CoreConfig['autoIdleMs']] = Math.round(ms);
  }
  const hold = parseHoldSeconds(config.holdSeconds);
  if (!hold.ok) return rejected(state, hold.error);
  const pricing = parsePricing(config.pricing);
  if (!pricing.ok) return rejected(state, `configure.${pricing.error}`);
  const local = config.localHost;
  if (local !== undefined && (typeof local !== 'string' || local === '' || local.length > MAX_HOST_NAME))
    return rejected(state, 'configure.localHost: expected a host name (1 to 256 characters)');
  const next: CoreConfig =
    hold.value === undefined ? { autoIdleMs } : { autoIdleMs, holdSeconds: hold.value };
  if (Object.keys(pricing.value).length > 0) next.pricing = pricing.value;
  if (local !== undefined) next.localHost = local;
  if (JSON.stringify(state.config ?? { autoIdleMs: {} }) === JSON.stringify(next))
    return { state, effects: [] };
  const repriced = JSON.stringify(state.config?.pricing ?? {}) !== JSON.stringify(next.pricing ?? {});
  if (!repriced) return { state: { ...state, config: next }, effects: [] };
  // the cards show costs at the new prices
  const tx = new Tx({ ...state, config: next }, now);
  repriceAll(tx, keysOf(state.runtime));
  return tx.finish();
}

function onTimer(state: CoreState, input: Extract<CoreInput, { type: 'timer' }>, now: number): Reduced {
  if (!nonEmpty(input.key) || typeof input.kind !== 'string' || typeof input.sessionId !== 'string') {
    return rejected(state, 'timer: expected key, sessionId and kind');
  }
  const tx = new Tx(state, now);
  if (input.kind === 'restored') {
    tx.state.lastRestoreAt = now;
    return { state: tx.state, effects: [] };
  }
  if (input.kind === 'hold' || input.kind === 'hold-restart') {
    return fireHoldTimer(tx, input.key, input.kind) ? tx.finish() : { state, effects: [] };
  }
  if (input.kind === 'hold-gone') {
    return fireHoldGone(tx, input.key, input.sessionId) ? tx.finish() : { state, effects: [] };
  }
  if (input.kind === 'alert') return fireAlertTimer(state, input.key, now);
  if (input.kind === 'team-cleanup') {
    if (!fireTeamCleanup(tx, input.key)) return { state, effects: [] };
    return tx.finish();
  }
  const id = input.sessionId;
  const kind = input.kind;
  if (kind !== 'auto-idle' && kind !== 'approval' && kind !== 'kill') {
    return rejected(state, `timer.kind: unknown timer kind ${JSON.stringify(kind)}`);
  }
  const armed = getOwn(state.runtime, id)?.timers[kind];
  if (!armed || armed.key !== input.key) return { state, effects: [] }; // stale timer: ignore
  const s = getOwn(state.sessions, id);
  if (!s) return { state, effects: [] };
  if (kind === 'auto-idle') {
    fireAutoIdle(tx, id);
  } else if (kind === 'approval') {
    fireHeuristic(tx, id);
    if (tx.session(id)?.status !== s.status) syncAutoIdle(tx, id, true);
  } else {
    const rt = tx.runtime(id);
    const timers = { ...rt.timers };
    delete timers.kill;
    tx.patchRuntime(id, { timers });
    const target = s.status !== 'ended' && s.pid !== null ? killTarget(tx, id) : null;
    if (target && 'identity' in target) {
      tx.emit({
        type: 'kill-pid',
        sessionId: id,
        pid: target.identity.pid,
        signal: 'SIGKILL',
        identity: target.identity,
      });
      logEvent(tx, id, 'kill', `Process ${s.pid} still alive after SIGTERM: SIGKILL`, now);
    } else if (target) {
      logEvent(tx, id, 'kill', `SIGKILL not sent: ${target.refused}`, now);
    }
  }
  return tx.finish();
}
