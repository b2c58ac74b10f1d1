/**
 * The runtime's one ordering rule: inputs are applied in the order they were submitted, whatever their source
 * (hooks over HTTP, single or batched; spool records; the transcript follower's inputs; user actions).
 */
import { openSqlite, type SqliteAdapter } from '@flightdeck/db';
import type { HookEnvelope } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it } from 'vitest';
import { coreAdapter } from '../src/adapters.js';
import type { CoreInput, CorePort } from '../src/ports.js';
import { createRuntime, MAX_INPUTS_PER_TURN } from '../src/runtime.js';
import { createStore } from '../src/store/index.js';
import { prompt, sessionStart } from './helpers.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

function label(input: CoreInput): string {
  if (input.type === 'hook') {
    const p = input.envelope.payload as { hook_event_name?: string; prompt?: string };
    return p.prompt !== undefined ? `prompt:${p.prompt}` : `hook:${p.hook_event_name}`;
  }
  if (input.type === 'user') return `user:${input.action.type}`;
  return input.type;
}

let database: SqliteAdapter | null = null;
afterEach(() => {
  database?.close();
  database = null;
});

/** A runtime on a real (in-memory) database whose core records what it is given, in order. */
async function recordingRuntime() {
  database = await openSqlite({ file: ':memory:' });
  const applied: string[] = [];
  const core: CorePort = {
    ...coreAdapter,
    reduce(state, input, now) {
      applied.push(label(input));
      return coreAdapter.reduce(state, input, now);
    },
  };
  const runtime = await createRuntime({
    core,
    store: createStore(database),
    log: silent,
    isAlive: () => true,
  });
  runtime.start();
  return { runtime, applied };
}

const transcript = (sessionId: string): CoreInput => ({
  type: 'transcript',
  sessionId,
  path: `/home/dev/.claude/projects/p/${sessionId}.jsonl`,
  offset: 120,
  skipped: 0,
  entries: [{ kind: 'assistant-text', at: null, uuid: null, agentId: null, text: 'Done.', messageId: null }],
});

describe('runtime: one ordering rule for every input source', () => {
  it('applies HTTP events, a spool batch, transcript inputs, an HTTP batch and user actions in submission order', async () => {
    const { runtime, applied } = await recordingRuntime();
    // Submitted one after the other in the same turn, nothing awaited in between.
    const done = [
      runtime.ingest(sessionStart('o1'), 'http-1'),
      runtime.ingest(prompt('o1', 'from http'), 'http-2'),
      runtime.ingestRecords([{ id: 'spool-1', envelope: prompt('o1', 'from the spool') }]),
      runtime.dispatch(transcript('o1')),
      runtime.ingestMany([{ envelope: prompt('o1', 'from a batch'), ingestId: 'batch-1' }]),
      runtime.dispatch({ type: 'user', action: { type: 'set-label', sessionId: 'o1', label: 'ordered' } }),
      runtime.ingestRecords([{ id: 'spool-2', envelope: prompt('o1', 'from the spool again') }]),
    ];
    await Promise.all(done);
    expect(applied).toEqual([
      'hook:SessionStart',
      'prompt:from http',
      'prompt:from the spool',
      'transcript',
      'prompt:from a batch',
      'user:set-label',
      'prompt:from the spool again',
    ]);
    const s = runtime.getSession('o1');
    expect(s?.promptHistory.map((p) => p.text)).toEqual([
      'from http',
      'from the spool',
      'from a batch',
      'from the spool again',
    ]);
    expect(s?.label).toBe('ordered');
    await runtime.stop();
  });

  it('a spool batch submitted behind a backlog longer than one turn waits for all of it', async () => {
    const { runtime, applied } = await recordingRuntime();
    const backlog: Array<{ envelope: HookEnvelope; ingestId: string }> = [
      { envelope: sessionStart('o2'), ingestId: 'b-start' },
    ];
    for (let i = 0; i < MAX_INPUTS_PER_TURN + 500; i++) {
      backlog.push({ envelope: prompt('o2', `http ${i}`), ingestId: `b-${i}` });
    }
    const http = runtime.ingestMany(backlog);
    const spool = runtime.ingestRecords([{ id: 'spool-late', envelope: prompt('o2', 'spool') }]);
    const follower = runtime.dispatch(transcript('o2'));
    await Promise.all([http, spool, follower]);
    // A timer the core armed in the first turn (auto-idle) fires while the backlog is worked off: it is submitted
    // then, behind everything submitted before, and applied after it.
    expect(applied).toHaveLength(backlog.length + 3);
    expect(applied.slice(-4)).toEqual([
      `prompt:http ${MAX_INPUTS_PER_TURN + 499}`,
      'prompt:spool',
      'transcript',
      'timer',
    ]);
    await runtime.stop();
  });
});
