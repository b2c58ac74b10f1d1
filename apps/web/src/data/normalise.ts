import type { LatencyStats, LiveMessage, LiveSummaryEvent, ServerOutputs, SystemStats } from './types.js';

/**
 * The few server answers the web app reshapes: the live stream's messages and the hook stats (whose `hooks` part
 * the router types as `unknown`). Everything else is used as the router types it.
 */

/** A live message as the store applies it. */
export function toLiveMessage(ev: LiveSummaryEvent): LiveMessage {
  switch (ev.type) {
    case 'snapshot':
      return { type: 'snapshot', sessions: ev.data.sessions, teams: ev.data.teams, seq: ev.seq };
    case 'session-upsert':
      return { type: 'session-upsert', session: ev.data };
    case 'session-removed':
      return { type: 'session-removed', sessionId: ev.data.sessionId };
    case 'team-upsert':
      return { type: 'team-upsert', team: ev.data };
    case 'team-removed':
      return { type: 'team-removed', teamId: ev.data.teamId };
  }
}

type StatSummary = ServerOutputs['hooks']['stats']['hooks']['events'][string]['latency'];

function latency(v: StatSummary): LatencyStats {
  return v === null ? { count: 0, p50: null, p95: null } : { count: v.samples, p50: v.p50, p95: v.p95 };
}

/** Combines per-event-type summaries: sample-weighted p50, worst p95. */
function combine(list: LatencyStats[]): LatencyStats {
  const withData = list.filter((l) => l.count > 0 && l.p50 !== null);
  if (withData.length === 0) return { count: 0, p50: null, p95: null };
  const count = withData.reduce((n, l) => n + l.count, 0);
  return {
    count,
    p50: withData.reduce((n, l) => n + (l.p50 ?? 0) * l.count, 0) / count,
    p95: Math.max(...withData.map((l) => l.p95 ?? 0)),
  };
}

/** `hooks.stats`: `{hooks: HookStatsSnapshot, ingest: RuntimeStats}`. */
export function statsFromServer(raw: ServerOutputs['hooks']['stats']): SystemStats {
  const { hooks } = raw;
  const perEvent: Record<string, number> = {};
  const delivery: LatencyStats[] = [];
  const processing: LatencyStats[] = [];
  for (const [name, v] of Object.entries(hooks.events)) {
    // defineProperty: an event named `__proto__` is an entry (an assignment would set the prototype).
    Object.defineProperty(perEvent, name, {
      value: v.count,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    delivery.push(latency(v.latency));
    processing.push(latency(v.processing));
  }
  return {
    hooks: {
      received: hooks.totalHooks,
      perMinute: hooks.hooksPerMin,
      perEvent,
      latency: combine(delivery),
      processing: combine(processing),
    },
    ingest: {
      batches: raw.ingest.batches,
      events: raw.ingest.hookEvents,
      duplicates: raw.ingest.duplicates,
      lastCommitMs: raw.ingest.lastCommitMs,
      queued: raw.ingest.queued,
    },
  };
}
