import type { Session, Team } from '@flightdeck/shared-types';
import { carryConnecting } from './connecting.js';
import { getOwn, type PMap, pmDelete, pmDeleteMany, pmSet } from './pmap.js';
import { copySession } from './session.js';
import type { ArmedTimer, CoreState, Effect, SessionRuntime, TimerKind } from './types.js';

/**
 * A reduce step's working copy. `sessions` and `runtime` are persistent maps (see pmap.ts): a write copies a
 * tiny path, not the map. Other maps are copied at most once per step. Objects are replaced, never mutated
 * once published, so the previous state stays valid and unchanged parts are shared.
 */
export class Tx {
  readonly effects: Effect[] = [];
  private readonly changed = new Set<string>();
  /** Sessions put, patched or dropped in this step (derived indexes are carried forward by them). */
  private readonly touched = new Set<string>();
  private readonly baseSessions: PMap<Session>;
  private readonly changedTeams = new Set<string>();
  private teamsCopied = false;
  private aliasesCopied = false;
  private teamTimersCopied = false;
  /** Objects created during this step: nobody else holds them yet, so they may be updated in place. */
  private readonly owned = new Set<object>();
  state: CoreState;

  constructor(
    base: CoreState,
    readonly now: number,
  ) {
    this.state = { ...base };
    this.baseSessions = base.sessions;
  }

  private lastId: string | null = null;
  private lastSession: Session | undefined;

  session(id: string): Session | undefined {
    if (id === this.lastId) return this.lastSession;
    const s = getOwn(this.state.sessions, id);
    this.lastId = id;
    this.lastSession = s;
    return s;
  }

  runtime(id: string): SessionRuntime {
    return this.rawRuntime(id) ?? defaultRuntime();
  }

  private rawRuntime(id: string): SessionRuntime | undefined {
    return getOwn(this.state.runtime, id);
  }

  putSession(s: Session): void {
    this.state.sessions = pmSet(this.state.sessions, s.sessionId, s);
    this.lastId = s.sessionId;
    this.lastSession = s;
    this.changed.add(s.sessionId);
    this.touched.add(s.sessionId);
  }

  /**
   * Replaces fields of an existing session: the first patch in a step copies the session (the previous
   * state keeps its object), later patches update that fresh copy.
   */
  patch(id: string, fields: Partial<Session>): Session {
    const cur = this.session(id)!;
    if (this.owned.has(cur)) {
      Object.assign(cur, fields);
      this.changed.add(id);
      this.touched.add(id);
      return cur;
    }
    const next = Object.assign(copySession(cur), fields);
    this.owned.add(next);
    this.putSession(next);
    return next;
  }

  putRuntime(id: string, rt: SessionRuntime): void {
    this.state.runtime = pmSet(this.state.runtime, id, rt);
  }

  patchRuntime(id: string, fields: Partial<SessionRuntime>): SessionRuntime {
    const cur = this.rawRuntime(id);
    if (cur && this.owned.has(cur)) return Object.assign(cur, fields);
    const next = { ...(cur ?? defaultRuntime()), ...fields };
    this.owned.add(next);
    this.putRuntime(id, next);
    return next;
  }

  dropSession(id: string): void {
    this.state.sessions = pmDelete(this.state.sessions, id);
    this.lastId = null;
    this.state.runtime = pmDelete(this.state.runtime, id);
    this.changed.delete(id);
    this.touched.add(id);
  }

  /** `dropSession` of many at once: each part of the maps they are in is copied once (`pmDeleteMany`). */
  dropSessions(ids: readonly string[]): void {
    this.state.sessions = pmDeleteMany(this.state.sessions, ids);
    this.lastId = null;
    this.state.runtime = pmDeleteMany(this.state.runtime, ids);
    for (const id of ids) {
      this.changed.delete(id);
      this.touched.add(id);
    }
  }

  putTeam(t: Team): void {
    if (!this.teamsCopied) {
      this.state.teams = { ...this.state.teams };
      this.teamsCopied = true;
    }
    setOwn(this.state.teams, t.teamId, t);
    this.changedTeams.add(t.teamId);
  }

  dropTeam(teamId: string): void {
    if (!this.teamsCopied) {
      this.state.teams = { ...this.state.teams };
      this.teamsCopied = true;
    }
    delete this.state.teams[teamId];
    this.changedTeams.delete(teamId);
    this.effects.push({ type: 'team-removed', teamId });
  }

  setAlias(oldId: string, newId: string): void {
    if (!this.aliasesCopied) {
      this.state.aliases = { ...this.state.aliases };
      this.aliasesCopied = true;
    }
    for (const [k, v] of Object.entries(this.state.aliases))
      if (v === oldId) setOwn(this.state.aliases, k, newId);
    setOwn(this.state.aliases, oldId, newId);
    delete this.state.aliases[newId];
  }

  /** Drops the aliases of `ids` (one pass over the aliases however many ids). */
  dropAliasesTo(ids: ReadonlySet<string>): void {
    const entries = Object.entries(this.state.aliases).filter(([, v]) => ids.has(v));
    if (entries.length === 0) return;
    if (!this.aliasesCopied) {
      this.state.aliases = { ...this.state.aliases };
      this.aliasesCopied = true;
    }
    for (const [k] of entries) delete this.state.aliases[k];
  }

  nextKey(kind: TimerKind, id: string): string {
    this.state.seq += 1;
    return `${kind}:${id}:${this.state.seq}`;
  }

  /** Arms (or re-arms) a per-session timer; a previous timer of the same kind is cancelled. */
  armSessionTimer(
    id: string,
    kind: 'auto-idle' | 'approval' | 'kill',
    deadline: number,
    status?: ArmedTimer['status'],
  ): ArmedTimer {
    const rt = this.runtime(id);
    const prev = rt.timers[kind];
    if (prev) this.effects.push({ type: 'cancel-timer', key: prev.key });
    const key = this.nextKey(kind, id);
    const timer: ArmedTimer = { key, deadline, input: { type: 'timer', key, sessionId: id, kind } };
    if (status !== undefined) timer.status = status;
    this.patchRuntime(id, { timers: { ...rt.timers, [kind]: timer } });
    this.effects.push({ type: 'arm-timer', key, deadline, input: timer.input });
    return timer;
  }

  cancelSessionTimer(id: string, kind: 'auto-idle' | 'approval' | 'kill'): void {
    const rt = this.rawRuntime(id);
    const prev = rt?.timers[kind];
    if (!rt || !prev) return;
    this.effects.push({ type: 'cancel-timer', key: prev.key });
    const timers = { ...rt.timers };
    delete timers[kind];
    this.patchRuntime(id, { timers });
  }

  cancelAllSessionTimers(id: string): void {
    this.cancelSessionTimer(id, 'auto-idle');
    this.cancelSessionTimer(id, 'approval');
    this.cancelSessionTimer(id, 'kill');
    const rt = this.rawRuntime(id);
    if (rt && (rt.heuristic || rt.childCheck)) this.patchRuntime(id, { heuristic: null, childCheck: null });
  }

  armTeamTimer(teamId: string, parentId: string, deadline: number): void {
    this.cancelTeamTimer(teamId);
    const key = this.nextKey('team-cleanup', parentId);
    const timer: ArmedTimer = {
      key,
      deadline,
      input: { type: 'timer', key, sessionId: parentId, kind: 'team-cleanup' },
    };
    if (!this.teamTimersCopied) {
      this.state.teamTimers = { ...this.state.teamTimers };
      this.teamTimersCopied = true;
    }
    setOwn(this.state.teamTimers, teamId, timer);
    this.effects.push({ type: 'arm-timer', key, deadline, input: timer.input });
  }

  cancelTeamTimer(teamId: string): void {
    const prev = this.state.teamTimers[teamId];
    if (!prev) return;
    this.effects.push({ type: 'cancel-timer', key: prev.key });
    if (!this.teamTimersCopied) {
      this.state.teamTimers = { ...this.state.teamTimers };
      this.teamTimersCopied = true;
    }
    delete this.state.teamTimers[teamId];
  }

  markChanged(id: string): void {
    this.changed.add(id);
  }

  markTeamChanged(teamId: string): void {
    this.changedTeams.add(teamId);
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  /** Final effects: what happened, then one `session-changed` / `team-changed` per touched object. */
  finish(): { state: CoreState; effects: Effect[] } {
    for (const id of this.changed) {
      if (this.session(id) !== undefined) this.effects.push({ type: 'session-changed', sessionId: id });
    }
    for (const id of this.changedTeams) {
      if (this.state.teams[id] !== undefined) this.effects.push({ type: 'team-changed', teamId: id });
    }
    carryConnecting(this.baseSessions, this.state.sessions, this.touched);
    return { state: this.state, effects: this.effects };
  }
}

/** `rec[key] = value` that keeps a key named `__proto__` a plain entry. */
function setOwn<V>(rec: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(rec, key, { value, writable: true, enumerable: true, configurable: true });
}

export function defaultRuntime(): SessionRuntime {
  return {
    titleSource: 'default',
    approvalSignal: false,
    density: null,
    timers: {},
    heuristic: null,
    childCheck: null,
  };
}
