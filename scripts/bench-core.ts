/**
 * `pnpm bench:core`: the pure core's `reduce` alone, driven the way the server drives it under load: 200 sessions,
 * PreToolUse/PostToolUse pairs round-robin (bench:live's throughput ramp), a fresh envelope per event (as parsed
 * from a request). Prints, for the best of `--rounds` rounds (default 3): µs per event, events/s, garbage
 * collections (scavenges and mark-compacts, and their time) per 100k events, and whether `structuredClone` of the
 * state works. It measures what the core's data-structure choices cost or buy (see apps/server/src/tuning.ts),
 * without the network, the database and the machine's other jobs in the figures.
 *
 * Options: --events=<n> (default 200000), --sessions=<n> (default 200), --rounds=<n> (default 3).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { type CoreInput, type CoreState, initialState, keysOf, reduce } from '../packages/core/src/index.js';
import { intArg } from './args.js';

const EVENTS = intArg('events', 200_000);
const SESSIONS = intArg('sessions', 200);
const ROUNDS = intArg('rounds', 3);
const T0 = 1_800_000_000_000;

function hook(sessionId: string, event: string, extra: Record<string, unknown>, sentAt: number): CoreInput {
  return {
    type: 'hook',
    envelope: {
      cli: 'claude',
      payload: {
        session_id: sessionId,
        cwd: '/home/bench/project',
        transcript_path: `/home/bench/.claude/projects/p/${sessionId}.jsonl`,
        hook_event_name: event,
        ...extra,
      },
      meta: { sentAt },
    },
  };
}

interface Round {
  usPerEvent: number;
  scavenges: number;
  markCompacts: number;
  gcMs: number;
  state: CoreState;
}

async function round(): Promise<Round> {
  let state = initialState();
  let now = T0;
  for (let k = 0; k < SESSIONS; k++) {
    state = reduce(state, hook(`s-${k}`, 'SessionStart', { source: 'startup' }, now), now).state;
  }
  const gc = { scavenges: 0, markCompacts: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.scavenges += 1;
      else gc.markCompacts += 1;
      gc.ms += e.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const counters = new Array<number>(SESSIONS).fill(0);
  const started = performance.now();
  for (let n = 0; n < EVENTS; n++) {
    const k = n % SESSIONS;
    const c = counters[k] ?? 0;
    counters[k] = c + 1;
    const tool = {
      tool_name: 'Read',
      tool_input: { file_path: `/src/file-${c >> 1}.ts` },
      tool_use_id: `tu-${k}-${c >> 1}`,
    };
    now += 0.1;
    const input =
      c % 2 === 0
        ? hook(`s-${k}`, 'PreToolUse', tool, now)
        : hook(`s-${k}`, 'PostToolUse', { ...tool, tool_response: { ok: true } }, now);
    state = reduce(state, input, now).state;
  }
  const elapsed = performance.now() - started;
  // GC entries are delivered on the event loop: let them arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const per100k = 100_000 / EVENTS;
  return {
    usPerEvent: (elapsed * 1000) / EVENTS,
    scavenges: gc.scavenges * per100k,
    markCompacts: gc.markCompacts * per100k,
    gcMs: gc.ms * per100k,
    state,
  };
}

const rounds: Round[] = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
const best = rounds.reduce((a, b) => (b.usPerEvent < a.usPerEvent ? b : a));
let cloneable: string;
try {
  const copy = structuredClone(best.state);
  cloneable = keysOf(copy.sessions).length === SESSIONS ? 'yes' : 'no (sessions lost)';
} catch (err) {
  cloneable = `no (${err instanceof Error ? err.message : String(err)})`;
}
console.log(
  `core reduce, ${EVENTS} events over ${SESSIONS} sessions, best of ${ROUNDS}: ` +
    `${best.usPerEvent.toFixed(2)} µs/event (${Math.round(1e6 / best.usPerEvent)} events/s); ` +
    `per 100k events: ${best.scavenges.toFixed(0)} scavenges, ${best.markCompacts.toFixed(1)} mark-compacts, ` +
    `${best.gcMs.toFixed(1)} ms in GC; all rounds: ${rounds.map((r) => r.usPerEvent.toFixed(2)).join(' / ')} µs/event; ` +
    `structuredClone(state): ${cloneable}`,
);
