/**
 * The status-truth replay suite: streams recorded from the real Claude Code CLI (interactive, under tmux; see
 * fixtures/README.md) — its hook envelopes and its transcript lines, merged in the order they were written — are
 * replayed through the transcript parser and the core, and the status of every session after every step must be
 * what a person watching the terminal saw (`expected.json` next to each recording, written from the recording's
 * description, not from the code's output).
 *
 * Each stream is replayed three ways that must all give the same statuses: transcript lines at the moment they
 * were written; read late by a lagging follower (2 s); and, for the long tool call, with a short auto-idle timeout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CoreInput,
  type CoreState,
  getOwn,
  initialState,
  reduce,
  type TranscriptEntry,
  valuesOf,
} from '@flightdeck/core';
import { createClaudeTranscriptParser } from '@flightdeck/hook-ingest';
import type { HookEnvelope, SessionStatus } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../fixtures/claude-code-2.1.328/interactive/', import.meta.url));

interface Expected {
  /** Per session id: its statuses, in order, consecutive repeats collapsed (the status after every step). */
  sessions: Record<string, SessionStatus[]>;
  /** Per session id: its status timeline as the API reports it: `[status, cause, trigger]` of every change. */
  history: Record<string, Array<[SessionStatus, string, string]>>;
  /** Checks on the final state of a session. */
  final?: Record<string, Record<string, unknown>>;
}

type Step =
  | { at: number; kind: 'hook'; envelope: HookEnvelope }
  | {
      at: number;
      kind: 'transcript';
      sessionId: string;
      path: string;
      offset: number;
      entries: TranscriptEntry[];
    };

function lines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Hooks at their capture time, transcript entries at the time of their line (a line without one: the last seen). */
function stream(dir: string, transcriptLag: number): Step[] {
  const steps: Step[] = [];
  for (const l of lines(join(dir, 'hooks.jsonl'))) {
    const envelope = JSON.parse(l) as HookEnvelope;
    steps.push({ at: envelope.meta.sentAt as number, kind: 'hook', envelope });
  }
  for (const file of readdirSync(dir).filter((f) => /^transcript(-\d+)?\.jsonl$/.test(f))) {
    let at = 0;
    let offset = 0;
    let sessionId = '';
    const parse = createClaudeTranscriptParser();
    for (const l of lines(join(dir, file))) {
      offset += Buffer.byteLength(l) + 1;
      const raw = JSON.parse(l) as { timestamp?: string; sessionId?: string };
      if (typeof raw.timestamp === 'string') at = Date.parse(raw.timestamp);
      if (typeof raw.sessionId === 'string' && sessionId === '') sessionId = raw.sessionId;
      const r = parse(l);
      if (r.verdict !== 'entries') continue;
      steps.push({
        at: at + transcriptLag,
        kind: 'transcript',
        sessionId,
        path: file,
        offset,
        entries: r.entries,
      });
    }
  }
  // stable: equal times keep hooks before transcript lines (the order the recording lists them in)
  return steps.sort((a, b) => a.at - b.at);
}

/** A minimal shell: timers fire in deadline order as the clock moves; process checks find the agent alive. */
function replay(steps: Step[], configure?: CoreInput): Map<string, SessionStatus[]> & { state: CoreState } {
  let state = initialState();
  const timers = new Map<string, { deadline: number; input: CoreInput }>();
  const seen = new Map<string, SessionStatus[]>();
  const record = () => {
    for (const s of valuesOf(state.sessions)) {
      const list = seen.get(s.sessionId) ?? [];
      if (list.at(-1) !== s.status) list.push(s.status);
      seen.set(s.sessionId, list);
    }
  };
  const send = (input: CoreInput, now: number) => {
    const r = reduce(state, input, now);
    state = r.state;
    expect(r.effects.filter((e) => e.type === 'rejected')).toEqual([]);
    const follow: CoreInput[] = [];
    for (const e of r.effects) {
      if (e.type === 'arm-timer') timers.set(e.key, { deadline: e.deadline, input: e.input });
      if (e.type === 'cancel-timer') timers.delete(e.key);
      if (e.type === 'check-children')
        follow.push({ type: 'children-checked', sessionId: e.sessionId, key: e.key, hasChildren: true });
    }
    record();
    for (const f of follow) send(f, now);
  };
  const advanceTo = (t: number) => {
    for (;;) {
      let next: [string, { deadline: number; input: CoreInput }] | undefined;
      for (const entry of timers) if (!next || entry[1].deadline < next[1].deadline) next = entry;
      if (!next || next[1].deadline > t) return;
      timers.delete(next[0]);
      send(next[1].input, next[1].deadline);
    }
  };
  const t0 = steps[0]?.at ?? 0;
  if (configure) send(configure, t0);
  for (const step of steps) {
    advanceTo(step.at);
    if (step.kind === 'hook') send({ type: 'hook', envelope: step.envelope }, step.at);
    else
      send(
        {
          type: 'transcript',
          sessionId: step.sessionId,
          path: step.path,
          offset: step.offset,
          entries: step.entries,
          skipped: 0,
        },
        step.at,
      );
  }
  return Object.assign(seen, { state });
}

const situations = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('status-truth replay of the recorded interactive Claude Code sessions', () => {
  it('every recording has its expected statuses', () => {
    expect(situations.length).toBeGreaterThanOrEqual(10);
    for (const name of situations) expect(readdirSync(join(ROOT, name))).toContain('expected.json');
  });

  for (const name of situations) {
    const dir = join(ROOT, name);
    const expected = (): Expected => JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;

    it(`${name}: the status after every step`, () => {
      const want = expected();
      const got = replay(stream(dir, 0));
      expect(Object.fromEntries(got)).toEqual(want.sessions);
      for (const [id, history] of Object.entries(want.history)) {
        const s = getOwn(got.state.sessions, id);
        expect(
          s?.statusHistory.map((r) => [r.status, r.cause, r.trigger]),
          `${name}: ${id}`,
        ).toEqual(history);
      }
      for (const [id, fields] of Object.entries(want.final ?? {})) {
        expect(getOwn(got.state.sessions, id), `${name}: ${id}`).toMatchObject(fields);
      }
    });

    it(`${name}: the same with a follower 2 s behind the hooks`, () => {
      const got = replay(stream(dir, 2000));
      expect(Object.fromEntries(got)).toEqual(expected().sessions);
    });
  }

  it('long-tool: a working timeout shorter than the call does not make it idle while the agent runs', () => {
    const dir = join(ROOT, 'long-tool');
    const got = replay(stream(dir, 0), { type: 'configure', config: { autoIdleMs: { working: 2000 } } });
    expect(Object.fromEntries(got)).toEqual(
      (JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected).sessions,
    );
  });
});
