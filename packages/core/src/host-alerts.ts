/**
 * Alert rules on host conditions (`host-offline`, `host-metric`), evaluated purely from what the shell knows of its
 * hosts (their last report and when they were last heard from) at `now`. A rule fires once per (rule, host,
 * occurrence): the occurrence is the silence (`offline@<last heard>`) or the report that crossed the threshold
 * (`<metric>@<received>`); while the condition holds nothing fires again, and once it no longer holds the next
 * occurrence may fire. A rule the evaluation has not seen before (new, or enabled again) starts from what is true
 * now: conditions already met are taken as seen, not fired, as the session rules of `alerts.ts` do.
 */
import {
  type AlertChannel,
  type AlertFired,
  DEFAULT_HOST_THRESHOLDS,
  HOST_METRIC_LABELS,
  type HostMetric,
  type HostThresholds,
  type MetricLevel,
  metricLevel,
} from '@flightdeck/shared-types';
import type { CoreAlertRule } from './alerts.js';

/** A host as the rules see it. */
export interface HostAlertSubject {
  name: string;
  /** Unix ms; null: never heard from (never offline either). */
  lastSeenAt: number | null;
  revoked: boolean;
  /** Its latest report: when it arrived and each metric as a share (%), null where not reported. */
  latest: { receivedAt: number; percents: Readonly<Record<HostMetric, number | null>> } | null;
}

export interface HostAlertState {
  /** (rule, host) → the occurrence fired (or already met when the rule started). */
  fired: Readonly<Record<string, string>>;
  /** Rules evaluated before (enabled): a rule not in here starts from what is true now. */
  rules: readonly string[];
}

export const EMPTY_HOST_ALERT_STATE: HostAlertState = { fired: {}, rules: [] };

export interface HostAlertFire {
  alert: AlertFired;
  channels: AlertChannel[];
}

const RANK: Record<MetricLevel, number> = { ok: 0, warn: 1, danger: 2 };
const MINUTE_MS = 60_000;

export function isHostRule(rule: CoreAlertRule): boolean {
  return rule.condition.type === 'host-offline' || rule.condition.type === 'host-metric';
}

/** The condition's current occurrence for a host, or null when it does not hold. */
function occurrenceOf(
  rule: CoreAlertRule,
  h: HostAlertSubject,
  now: number,
  t: HostThresholds,
): string | null {
  const c = rule.condition;
  if (h.revoked) return null;
  if (c.type === 'host-offline') {
    if (h.lastSeenAt === null || now - h.lastSeenAt < c.minutes * MINUTE_MS) return null;
    return `offline@${h.lastSeenAt}`;
  }
  if (c.type === 'host-metric') {
    const percent = h.latest?.percents[c.metric] ?? null;
    if (h.latest === null || RANK[metricLevel(percent, t[c.metric])] < RANK[c.level]) return null;
    return `${c.metric}@${h.latest.receivedAt}`;
  }
  return null;
}

function describe(rule: CoreAlertRule, h: HostAlertSubject): { title: string; body: string } {
  const c = rule.condition;
  if (c.type === 'host-offline') {
    const m = c.minutes === 1 ? '1 minute' : `${c.minutes} minutes`;
    return { title: `${h.name}: offline`, body: `Not heard from for ${m} or more.` };
  }
  if (c.type === 'host-metric') {
    const percent = h.latest?.percents[c.metric];
    const value = typeof percent === 'number' ? `${Math.round(percent)} %` : 'unknown';
    return {
      title: `${h.name}: ${HOST_METRIC_LABELS[c.metric]} ${value}`,
      body: `${HOST_METRIC_LABELS[c.metric]} is at the ${c.level === 'danger' ? 'danger' : 'warning'} level.`,
    };
  }
  return { title: h.name, body: '' };
}

const pairKey = (ruleId: string, host: string) => `${ruleId}\n${host}`;

/** Evaluates every enabled host rule for every host at `now`: what fires, and the state to keep. */
export function evaluateHostAlerts(
  rules: readonly CoreAlertRule[],
  hosts: readonly HostAlertSubject[],
  now: number,
  state: HostAlertState,
  thresholds: HostThresholds = DEFAULT_HOST_THRESHOLDS,
): { state: HostAlertState; fires: HostAlertFire[] } {
  const active = rules.filter((r) => r.enabled && isHostRule(r));
  const known = new Set(state.rules);
  const fired: Record<string, string> = {};
  const fires: HostAlertFire[] = [];
  for (const rule of active) {
    const baseline = !known.has(rule.id);
    for (const h of hosts) {
      const pair = pairKey(rule.id, h.name);
      const occ = occurrenceOf(rule, h, now, thresholds);
      if (occ === null) continue;
      const before = Object.hasOwn(state.fired, pair) ? state.fired[pair] : undefined;
      // While it holds, the occurrence it started with stays (a metric above its level across reports).
      const keep = rule.condition.type === 'host-metric' && before !== undefined ? before : occ;
      fired[pair] = keep;
      if (baseline || before === keep) continue;
      const { title, body } = describe(rule, h);
      fires.push({
        alert: {
          ruleId: rule.id,
          sessionId: null,
          condition: rule.condition.type,
          title,
          body,
          dedupeKey: `${rule.id}:host:${h.name}:${keep}`,
          at: now,
          approvalId: null,
        },
        channels: [...rule.channels],
      });
    }
  }
  return { state: { fired, rules: active.map((r) => r.id) }, fires };
}
