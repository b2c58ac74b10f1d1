/**
 * Alert rules, evaluated by the core (pure): rules are data (the `alert-rules` input), timed conditions wait on
 * timers as data (`arm-timer` with a `timer` input of kind `alert`), and a rule firing is an `alert-fire` effect
 * the shell carries out on the rule's channels.
 *
 * A rule fires at most once per (rule, session, occurrence): each condition names its occurrence (the approval,
 * the moment the session went idle, the failure, the end), and the last occurrence fired for each (rule, session)
 * is kept in the state (checkpointed with it), so a restart, a replay or a repeated input never fires it again.
 * A rule that is new (or enabled again, or given another condition) starts from what is true now: conditions
 * already met are taken as seen, not fired (a new "ended unexpectedly" rule does not fire for every old session);
 * a timed condition whose deadline is still ahead is armed.
 */
import {
  type AlertChannel,
  type AlertCondition,
  type AlertConditionType,
  type AlertRule,
  alertRuleCoreSchema,
  type Session,
} from '@flightdeck/shared-types';
import { endReasonLabel, KILLED_END_REASON, PROCESS_EXITED_END_REASON } from './plain.js';
import { getOwn, valuesOf } from './pmap.js';
import type { CoreState, Effect, TimerInput } from './types.js';

/** A rule as the core keeps it: the webhook (URL and secret) stays with the shell. */
export type CoreAlertRule = Omit<AlertRule, 'webhook'>;

/** A timed condition waiting for its deadline. */
export interface AlertWatch {
  ruleId: string;
  sessionId: string;
  occurrence: string;
  deadline: number;
  key: string;
}

export interface AlertsState {
  rules: CoreAlertRule[];
  /** (rule, session) → the last occurrence fired (or already met when the rule started). */
  fired: Record<string, string>;
  /** (rule, session) → the timer armed for a timed condition. */
  watches: Record<string, AlertWatch>;
}

/** The `alert-fire` effect: the shell sends it on `channels`. */
export interface AlertFireEffect {
  type: 'alert-fire';
  ruleId: string;
  sessionId: string;
  condition: AlertConditionType;
  title: string;
  body: string;
  channels: AlertChannel[];
  /** `<rule>:<session>:<occurrence>`: the same key is never fired twice. */
  dedupeKey: string;
  at: number;
  /** For `approval-opened`: the approval's id. */
  approvalId: string | null;
}

/** End reasons that were not asked for: the process died, or the CLI reports an error or a timeout. */
const UNEXPECTED_END_REASONS: ReadonlySet<string> = new Set([
  PROCESS_EXITED_END_REASON,
  'error',
  'timeout',
  'abort',
  'bypass_permissions_disabled',
]);

/** The status detail the core writes for a failed turn (events.ts `onTurnFailed`). */
const TURN_FAILED_PREFIX = 'Turn failed';

const MINUTE_MS = 60_000;

type Reduced = { state: CoreState; effects: Effect[] };

/** The (rule, session) key: a newline never occurs in a rule id, so no key can be `__proto__`. */
function pairKey(ruleId: string, sessionId: string): string {
  return `${ruleId}\n${sessionId}`;
}

function emptyAlerts(): AlertsState {
  return { rules: [], fired: {}, watches: {} };
}

interface Occurrence {
  key: string;
  /** When the condition became true (timed conditions count from here). */
  since: number;
}

/** Since when the session has been waiting for the user (turn finished, then idle), by its status history. */
function idleSince(s: Session): number {
  let since = s.statusReason.at;
  const h = s.statusHistory ?? [];
  for (let i = h.length - 1; i >= 0; i--) {
    const r = h[i]!;
    if (r.status !== 'waiting' && r.status !== 'idle') break;
    since = r.at;
  }
  return since;
}

/** The condition's current occurrence for a session, or null when it does not hold. */
export function occurrenceOf(c: AlertCondition, s: Session): Occurrence | null {
  switch (c.type) {
    case 'approval-waiting': {
      const p = s.pendingApproval;
      if (!p || s.status === 'ended') return null;
      return { key: `${p.id ?? p.toolUseId ?? p.tool}@${p.since}`, since: p.since };
    }
    case 'approval-opened': {
      const p = s.pendingApproval;
      if (!p || p.id === null || !p.decidable || s.status === 'ended') return null;
      return { key: p.id, since: p.since };
    }
    case 'idle': {
      if (s.status !== 'waiting' && s.status !== 'idle') return null;
      const since = idleSince(s);
      return { key: `idle@${since}`, since };
    }
    case 'error': {
      const r = s.statusReason;
      if (s.status !== 'waiting' || !r.detail.startsWith(TURN_FAILED_PREFIX)) return null;
      const at = r.reasonAt ?? r.at;
      return { key: `error@${at}`, since: at };
    }
    case 'ended-unexpectedly': {
      if (s.status !== 'ended' || s.endReason === null || s.endReason === KILLED_END_REASON) return null;
      if (!UNEXPECTED_END_REASONS.has(s.endReason)) return null;
      const at = s.endedAt ?? s.statusReason.at;
      return { key: `ended@${at}`, since: at };
    }
    default:
      return null;
  }
}

/** Minutes a timed condition waits, or null for a condition that fires at once. */
function waitMinutes(c: AlertCondition): number | null {
  return c.type === 'approval-waiting' || c.type === 'idle' ? c.minutes : null;
}

/** Which session: its project, and its title when it says more (clipped). */
function sessionLabel(s: Session): string {
  const t = s.title.replace(/\s+/g, ' ').trim();
  if (t === '' || t === s.projectName) return s.projectName;
  return `${s.projectName} · ${t.length > 60 ? `${t.slice(0, 59)}…` : t}`;
}

function minutesText(m: number): string {
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/** What the alert says: which session and what it needs. */
function describe(rule: CoreAlertRule, s: Session): { title: string; body: string } {
  const label = sessionLabel(s);
  const c = rule.condition;
  const p = s.pendingApproval;
  switch (c.type) {
    case 'approval-opened':
      return {
        title: `${label}: ${p?.kind === 'input' ? `${p.tool} asks a question` : `${p?.tool ?? 'a tool'} needs approval`}`,
        body: p?.detail ?? s.waitingDetail ?? '',
      };
    case 'approval-waiting':
      return {
        title: `${label}: waiting ${minutesText(c.minutes)} for ${p?.kind === 'input' ? 'your answer' : 'approval'}`,
        body: p?.detail ?? s.waitingDetail ?? '',
      };
    case 'idle':
      return { title: `${label}: idle for ${minutesText(c.minutes)}`, body: s.statusReason.detail };
    case 'error':
      return { title: `${label}: turn failed`, body: s.statusReason.detail };
    case 'ended-unexpectedly':
      return {
        title: `${label}: ended unexpectedly`,
        body: s.statusReason.detail || endReasonLabel(s.endReason),
      };
    default:
      return { title: label, body: '' };
  }
}

/** A copy-on-write working copy of the alerts state for one step. */
class AlertsTx {
  private copiedFired = false;
  private copiedWatches = false;
  readonly effects: Effect[] = [];
  alerts: AlertsState;
  changed = false;

  constructor(
    private state: CoreState,
    readonly now: number,
  ) {
    this.alerts = { ...(state.alerts ?? emptyAlerts()) };
  }

  setFired(pair: string, occurrence: string): void {
    if (!this.copiedFired) {
      this.alerts.fired = { ...this.alerts.fired };
      this.copiedFired = true;
    }
    this.alerts.fired[pair] = occurrence;
    this.changed = true;
  }

  dropFired(pair: string): void {
    if (!Object.hasOwn(this.alerts.fired, pair)) return;
    if (!this.copiedFired) {
      this.alerts.fired = { ...this.alerts.fired };
      this.copiedFired = true;
    }
    delete this.alerts.fired[pair];
    this.changed = true;
  }

  private watches(): Record<string, AlertWatch> {
    if (!this.copiedWatches) {
      this.alerts.watches = { ...this.alerts.watches };
      this.copiedWatches = true;
    }
    this.changed = true;
    return this.alerts.watches;
  }

  arm(rule: CoreAlertRule, sessionId: string, occurrence: string, deadline: number): void {
    const pair = pairKey(rule.id, sessionId);
    this.cancel(pair);
    const seq = this.state.seq + 1;
    this.state = { ...this.state, seq };
    const key = `alert:${sessionId}:${seq}`;
    this.watches()[pair] = { ruleId: rule.id, sessionId, occurrence, deadline, key };
    const input: TimerInput = { type: 'timer', key, sessionId, kind: 'alert' };
    this.effects.push({ type: 'arm-timer', key, deadline, input });
  }

  cancel(pair: string): void {
    const w = this.alerts.watches[pair];
    if (!w || !Object.hasOwn(this.alerts.watches, pair)) return;
    this.effects.push({ type: 'cancel-timer', key: w.key });
    delete this.watches()[pair];
  }

  /** Removes the watch of `pair` without cancelling its timer (the timer just fired). */
  unwatch(pair: string): void {
    if (Object.hasOwn(this.alerts.watches, pair)) delete this.watches()[pair];
  }

  fire(rule: CoreAlertRule, s: Session, occurrence: string): void {
    this.setFired(pairKey(rule.id, s.sessionId), occurrence);
    const { title, body } = describe(rule, s);
    this.effects.push({
      type: 'alert-fire',
      ruleId: rule.id,
      sessionId: s.sessionId,
      condition: rule.condition.type,
      title,
      body,
      channels: [...rule.channels],
      dedupeKey: `${rule.id}:${s.sessionId}:${occurrence}`,
      at: this.now,
      approvalId: rule.condition.type === 'approval-opened' ? occurrence : null,
    });
  }

  /** The state with the alerts part replaced (the same object when nothing changed). */
  finish(): CoreState {
    return this.changed ? { ...this.state, alerts: this.alerts } : this.state;
  }
}

/** An own entry of a record keyed by (rule, session). */
function own<V>(rec: Record<string, V>, pair: string): V | undefined {
  return Object.hasOwn(rec, pair) ? rec[pair] : undefined;
}

/**
 * Whether one (rule, session) is up to date already (nothing to fire, arm or cancel): the common case, checked
 * without copying anything (it runs for every enabled rule on every change of a session).
 */
function upToDate(a: AlertsState, rule: CoreAlertRule, s: Session): boolean {
  const pair = pairKey(rule.id, s.sessionId);
  const occ = occurrenceOf(rule.condition, s);
  const watch = own(a.watches, pair);
  if (occ === null || own(a.fired, pair) === occ.key) return watch === undefined;
  return waitMinutes(rule.condition) !== null && watch !== undefined && watch.occurrence === occ.key;
}

/**
 * Brings one (rule, session) up to date: fires a condition that holds and was not fired for this occurrence (a
 * timed one once its deadline passed: otherwise it is armed), cancels the watch of one that no longer holds. With
 * `baseline`, a condition that holds is recorded as seen instead of fired (a rule just started).
 */
function evaluatePair(tx: AlertsTx, rule: CoreAlertRule, s: Session, baseline: boolean): void {
  const pair = pairKey(rule.id, s.sessionId);
  const occ = occurrenceOf(rule.condition, s);
  const watch = own(tx.alerts.watches, pair);
  if (occ === null || own(tx.alerts.fired, pair) === occ.key) {
    if (watch) tx.cancel(pair);
    return;
  }
  const minutes = waitMinutes(rule.condition);
  if (minutes === null) {
    if (baseline) tx.setFired(pair, occ.key);
    else tx.fire(rule, s, occ.key);
    return;
  }
  if (watch && watch.occurrence === occ.key) return;
  const deadline = occ.since + minutes * MINUTE_MS;
  if (deadline > tx.now) tx.arm(rule, s.sessionId, occ.key, deadline);
  else if (baseline) {
    if (watch) tx.cancel(pair);
    tx.setFired(pair, occ.key);
  } else {
    if (watch) tx.cancel(pair);
    tx.fire(rule, s, occ.key);
  }
}

/** Entries of a record keyed by (rule, session) that belong to `sessionId` (or to `ruleId`). */
function pairsOf(rec: Record<string, unknown>, match: (ruleId: string, sessionId: string) => boolean) {
  const out: string[] = [];
  for (const pair of Object.keys(rec)) {
    const nl = pair.indexOf('\n');
    if (match(pair.slice(0, nl), pair.slice(nl + 1))) out.push(pair);
  }
  return out;
}

/**
 * After every step: the rules are evaluated for each session the step changed; what belongs to a removed session
 * is dropped (its timers cancelled); a re-keyed session keeps what was fired for it under its new id.
 */
export function evaluateAlerts(r: Reduced, now: number): Reduced {
  const alerts = r.state.alerts;
  if (!alerts || (alerts.rules.length === 0 && Object.keys(alerts.fired).length === 0)) return r;
  let tx: AlertsTx | null = null;
  const open = () => {
    tx ??= new AlertsTx(r.state, now);
    return tx;
  };
  for (const eff of r.effects) {
    if (eff.type === 'session-removed' || eff.type === 'session-evicted') {
      const t = open();
      const gone = (_rule: string, sid: string) => sid === eff.sessionId;
      for (const pair of pairsOf(t.alerts.watches, gone)) t.cancel(pair);
      for (const pair of pairsOf(t.alerts.fired, gone)) t.dropFired(pair);
    } else if (eff.type === 'session-rekeyed') {
      const t = open();
      const old = (_rule: string, sid: string) => sid === eff.oldId;
      for (const pair of pairsOf(t.alerts.watches, old)) t.cancel(pair);
      for (const pair of pairsOf(t.alerts.fired, old)) {
        const occurrence = t.alerts.fired[pair]!;
        t.dropFired(pair);
        t.setFired(pairKey(pair.slice(0, pair.indexOf('\n')), eff.newId), occurrence);
      }
    }
  }
  if (alerts.rules.some((rule) => rule.enabled)) {
    for (const eff of r.effects) {
      if (eff.type !== 'session-changed') continue;
      const s = getOwn(r.state.sessions, eff.sessionId);
      if (!s) continue;
      for (const rule of alerts.rules) {
        const cur: AlertsState = tx === null ? alerts : (tx as AlertsTx).alerts;
        if (rule.enabled && !upToDate(cur, rule, s)) evaluatePair(open(), rule, s, false);
      }
    }
  }
  if (tx === null) return r;
  const t: AlertsTx = tx;
  return { state: t.finish(), effects: [...r.effects, ...t.effects] };
}

/** How a rule's evaluation changes between two versions of it: the same watch, or a fresh start. */
function sameCondition(a: CoreAlertRule, b: CoreAlertRule): boolean {
  return a.enabled === b.enabled && JSON.stringify(a.condition) === JSON.stringify(b.condition);
}

/**
 * The `alert-rules` input: the whole list of rules (sent at start and on every change). Invalid → rejected, the
 * rules in force unchanged. A rule removed, disabled or given another condition loses its watches and what was
 * fired for it; a rule new or restarted begins from what holds now (see the module comment). What was kept for
 * sessions the state no longer holds is dropped.
 */
export function applyAlertRules(state: CoreState, rules: unknown, now: number): Reduced {
  if (!Array.isArray(rules)) return rejectedBy(state, 'alert-rules.rules: expected an array');
  if (rules.length > 1000) return rejectedBy(state, 'alert-rules.rules: at most 1000 rules');
  const next: CoreAlertRule[] = [];
  const ids = new Set<string>();
  for (const [i, raw] of rules.entries()) {
    const parsed = alertRuleCoreSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return rejectedBy(
        state,
        `alert-rules.rules.${i}${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    const { webhook: _secret, ...rule } = parsed.data;
    if (ids.has(rule.id)) return rejectedBy(state, `alert-rules.rules.${i}.id: duplicate id ${rule.id}`);
    ids.add(rule.id);
    next.push(rule);
  }
  const before = new Map((state.alerts?.rules ?? []).map((r) => [r.id, r]));
  const tx = new AlertsTx(state, now);
  const restarted: CoreAlertRule[] = [];
  for (const [id, old] of before) {
    const cur = next.find((r) => r.id === id);
    if (cur && sameCondition(old, cur)) continue;
    // removed, disabled or changed: what it watched and fired goes
    const mine = (ruleId: string) => ruleId === id;
    for (const pair of pairsOf(tx.alerts.watches, mine)) tx.cancel(pair);
    for (const pair of pairsOf(tx.alerts.fired, mine)) tx.dropFired(pair);
  }
  for (const rule of next) {
    const old = before.get(rule.id);
    if (rule.enabled && (!old || !sameCondition(old, rule))) restarted.push(rule);
  }
  // What belongs to sessions the state no longer holds (dropped while the server was down, or before the
  // rules were sent at start) goes: the record stays as small as the live sessions.
  const gone = (_rule: string, sid: string) => getOwn(state.sessions, sid) === undefined;
  for (const pair of pairsOf(tx.alerts.watches, gone)) tx.cancel(pair);
  for (const pair of pairsOf(tx.alerts.fired, gone)) tx.dropFired(pair);
  tx.alerts.rules = next;
  tx.changed = true;
  for (const rule of restarted) {
    for (const s of valuesOf(state.sessions)) evaluatePair(tx, rule, s, true);
  }
  return { state: tx.finish(), effects: tx.effects };
}

/** A `timer` input of kind `alert`: the watch's deadline passed; fires if its occurrence still holds. */
export function fireAlertTimer(state: CoreState, key: string, now: number): Reduced {
  const alerts = state.alerts;
  if (!alerts) return { state, effects: [] };
  const pair = Object.keys(alerts.watches).find((p) => alerts.watches[p]!.key === key);
  if (pair === undefined) return { state, effects: [] }; // stale: cancelled or already fired
  const watch = alerts.watches[pair]!;
  const tx = new AlertsTx(state, now);
  tx.unwatch(pair);
  const rule = alerts.rules.find((r) => r.id === watch.ruleId);
  const s = getOwn(state.sessions, watch.sessionId);
  if (rule?.enabled && s) {
    const occ = occurrenceOf(rule.condition, s);
    if (occ && occ.key === watch.occurrence && alerts.fired[pair] !== occ.key) tx.fire(rule, s, occ.key);
  }
  return { state: tx.finish(), effects: tx.effects };
}

/** After a restart: every armed alert timer, with its deadline (a past one fires at once). */
export function rehydrateAlerts(state: CoreState): Effect[] {
  const out: Effect[] = [];
  for (const w of Object.values(state.alerts?.watches ?? {})) {
    out.push({
      type: 'arm-timer',
      key: w.key,
      deadline: w.deadline,
      input: { type: 'timer', key: w.key, sessionId: w.sessionId, kind: 'alert' },
    });
  }
  return out;
}

function rejectedBy(state: CoreState, reason: string): Reduced {
  return { state, effects: [{ type: 'rejected', reason }] };
}
