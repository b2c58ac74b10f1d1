import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CoreInput, type CoreState, getOwn, pmapOf, type TranscriptCursor } from '@flightdeck/core';
import { CLAUDE_INTERRUPTED_TOOL_USE, parseClaudeTranscriptLine } from '@flightdeck/hook-ingest';
import type { Session } from '@flightdeck/shared-types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { createTranscriptFollower, type TranscriptFollowerOptions } from '../src/transcripts/follower.js';
import { claudeEvent, postHook, sessionStart, startTestServer, tmpDir, waitFor } from './helpers.js';

type TranscriptInput = Extract<CoreInput, { type: 'transcript' }>;

const FIXTURE = new URL(
  '../../../fixtures/claude-code-2.1.328/transcripts/c9c7f7bc-be3d-4fec-a871-5d943fafe0e1.jsonl',
  import.meta.url,
);
const fixtureLines = readFileSync(FIXTURE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => `${l}\n`);
const entriesIn = (lines: string[]) =>
  lines.reduce((n, l) => {
    const r = parseClaudeTranscriptLine(l.trimEnd());
    return n + (r.verdict === 'entries' ? r.entries.length : 0);
  }, 0);
const fixtureTexts = fixtureLines.flatMap((l) => {
  const r = parseClaudeTranscriptLine(l.trimEnd());
  return r.verdict === 'entries' ? r.entries.map((e) => (e.kind === 'assistant-text' ? e.text : e.kind)) : [];
});

/** A line as Claude Code writes it (shape of the recorded transcript). */
function assistantLine(text: string, n = 1): string {
  return `${JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    message: { id: `msg_${n}`, type: 'message', role: 'assistant', content: [{ type: 'text', text }] },
    type: 'assistant',
    uuid: `u-${n}`,
    timestamp: '2026-11-21T08:10:14.100Z',
    sessionId: 's',
    version: '2.1.328',
  })}\n`;
}
const ignoredLine = `${JSON.stringify({ type: 'tools-used', tools: ['Write'], sessionId: 's' })}\n`;

/**
 * A runtime that records the cursor the way the core does (from each `transcript` input; one whose offset is not
 * past the cursor changes nothing unless it restarted the file or names another path).
 */
function spyRuntime() {
  const sessions: Session[] = [];
  const state = { runtime: {} as Record<string, { transcript?: TranscriptCursor | null }> };
  const inputs: TranscriptInput[] = [];
  return {
    get state() {
      return { runtime: pmapOf(state.runtime) } as unknown as CoreState;
    },
    cursors: state.runtime,
    inputs,
    addSession(sessionId: string, transcriptPath: string, cli: Session['cli'] = 'claude') {
      sessions.push({ sessionId, transcriptPath, cli, status: 'working' } as Session);
    },
    /** A session that is already over when the follower first sees it (started at `startedAt`). */
    addEnded(sessionId: string, transcriptPath: string, startedAt: number, cli: Session['cli'] = 'claude') {
      sessions.push({ sessionId, transcriptPath, cli, status: 'ended', startedAt } as Session);
    },
    end(sessionId: string) {
      for (const s of sessions) if (s.sessionId === sessionId) s.status = 'ended';
    },
    listSessions: () => sessions,
    dispatch(input: CoreInput) {
      if (input.type !== 'transcript') throw new Error(`unexpected input ${input.type}`);
      inputs.push(input);
      state.runtime[input.sessionId] ??= {};
      const rt = state.runtime[input.sessionId] as { transcript?: TranscriptCursor | null };
      const c = rt.transcript;
      const fresh = !c || c.path !== input.path || input.restarted === true;
      if (fresh || input.offset > c.offset) {
        rt.transcript = {
          path: input.path,
          offset: input.offset,
          entries: (fresh ? 0 : c.entries) + input.entries.length,
          skipped: (fresh ? 0 : c.skipped) + input.skipped,
        };
      }
      return Promise.resolve({ rejected: [], effects: [] });
    },
    texts() {
      return inputs.flatMap((i) => i.entries.map((e) => (e.kind === 'assistant-text' ? e.text : e.kind)));
    },
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function temp() {
  const t = tmpDir('fd-transcripts-');
  cleanups.push(t.remove);
  return t.dir;
}

function follower(rt: ReturnType<typeof spyRuntime>, opts: Partial<TranscriptFollowerOptions> = {}) {
  const f = createTranscriptFollower({
    runtime: rt,
    log: { info() {}, warn() {}, error() {}, debug() {} },
    // long timers: the tests drive reads with poke(), deterministically
    reconcileMs: 60_000,
    pollMs: 60_000,
    watch: false,
    ...opts,
  });
  f.start();
  cleanups.push(() => f.stop());
  return f;
}

describe('transcript follower (files, spy runtime)', () => {
  it('follows the recorded transcript appended line by line: every entry once, the cursor at the end', async () => {
    const dir = temp();
    const path = join(dir, 'session.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    await f.poke(); // not created yet: waited for, not an error
    expect(f.stats()).toMatchObject({ sessions: 1, errors: 0, bytesRead: 0 });
    for (const line of fixtureLines) {
      appendFileSync(path, line);
      await f.poke();
    }
    expect(rt.texts()).toEqual(fixtureTexts);
    // 4 texts and the usage of each of the 11 assistant lines
    expect(rt.texts()).toHaveLength(15);
    const size = statSync(path).size;
    expect(f.stats()).toMatchObject({ bytesRead: size, lines: fixtureLines.length, skipped: 0, entries: 15 });
    await f.stop();
    expect(rt.cursors.s1?.transcript).toEqual({ path, offset: size, entries: 15, skipped: 0 });
  });

  it('joins a line split across two writes (and two reads) into one entry', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    const line = assistantLine('hello from two writes');
    const cut = Math.floor(line.length / 2);
    writeFileSync(path, line.slice(0, cut));
    await f.poke();
    expect(rt.texts()).toEqual([]);
    appendFileSync(path, line.slice(cut));
    await f.poke();
    expect(rt.texts()).toEqual(['hello from two writes']);
    expect(f.stats()).toMatchObject({ lines: 1, skipped: 0, bytesRead: line.length });
  });

  it('resumes at the cursor after a restart: only the new lines are read', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const first = follower(rt);
    writeFileSync(path, '');
    await first.poke(); // created empty, as the CLI does: followed from 0
    const before = fixtureLines.slice(0, 40).join('');
    appendFileSync(path, before);
    await first.poke();
    await first.stop();
    expect(rt.cursors.s1?.transcript?.offset).toBe(Buffer.byteLength(before));
    const seen = rt.texts().length;

    const after = fixtureLines.slice(40).join('');
    appendFileSync(path, after);
    const second = follower(rt);
    await second.poke();
    expect(second.stats().bytesRead).toBe(Buffer.byteLength(after));
    expect(rt.texts()).toEqual(fixtureTexts);
    expect(rt.texts().length).toBeGreaterThan(seen);
    expect(rt.cursors.s1?.transcript?.offset).toBe(statSync(path).size);
  });

  it('reads a truncated file again from 0 and says so', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    writeFileSync(path, ignoredLine.repeat(20) + assistantLine('before'));
    await f.poke();
    truncateSync(path, 0);
    writeFileSync(path, assistantLine('after truncation'));
    await f.poke();
    expect(rt.texts()).toEqual(['before', 'after truncation']);
    expect(f.stats().restarts).toBe(1);
    const last = rt.inputs.at(-1);
    expect(last).toMatchObject({ restarted: true, offset: statSync(path).size });
    expect(rt.cursors.s1?.transcript).toMatchObject({ offset: statSync(path).size, entries: 1 });
  });

  it('reads a replaced file (renamed, recreated, even longer) from 0', async () => {
    const dir = temp();
    const path = join(dir, 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    writeFileSync(path, assistantLine('old file'));
    await f.poke();
    renameSync(path, join(dir, 's.jsonl.1'));
    // longer than what was read: only the inode tells it is another file
    writeFileSync(path, ignoredLine.repeat(10) + assistantLine('new file'));
    await f.poke();
    expect(rt.texts()).toEqual(['old file', 'new file']);
    expect(f.stats().restarts).toBe(1);
    expect(rt.inputs.at(-1)).toMatchObject({ restarted: true });
  });

  it('a file that shrank below the cursor while the server was down is read from 0', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    rt.cursors.s1 = { transcript: { path, offset: 10_000, entries: 3, skipped: 0 } };
    writeFileSync(path, assistantLine('short new file'));
    const f = follower(rt);
    await f.poke();
    expect(rt.texts()).toEqual(['short new file']);
    expect(rt.inputs[0]).toMatchObject({ restarted: true });
    expect(rt.cursors.s1?.transcript).toMatchObject({ offset: statSync(path).size, entries: 1 });
  });

  it('counts an unknown entry type or a broken line as skipped and goes on', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    writeFileSync(
      path,
      `${JSON.stringify({ type: 'hologram-v9', x: 1 })}\n{not json\n${assistantLine('still following')}`,
    );
    await f.poke();
    expect(rt.texts()).toEqual(['still following']);
    expect(f.stats()).toMatchObject({ skipped: 2, errors: 0 });
    expect(rt.inputs.reduce((n, i) => n + i.skipped, 0)).toBe(2);
  });

  it('skips a line over the cap without keeping it, and reads the next one', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const maxLineBytes = 64 * 1024;
    const f = follower(rt, { maxLineBytes, chunkBytes: 16 * 1024 });
    // a 5 MB line written in pieces, read as it grows
    const piece = `{"type":"assistant","message":{"content":[{"type":"text","text":"${'x'.repeat(500_000)}`;
    writeFileSync(path, '');
    await f.poke();
    appendFileSync(path, piece);
    for (let i = 0; i < 9; i++) {
      await f.poke();
      appendFileSync(path, 'y'.repeat(500_000));
    }
    appendFileSync(path, `"}]}}\n${assistantLine('after the huge line')}`);
    await f.poke();
    expect(rt.texts()).toEqual(['after the huge line']);
    const s = f.stats();
    expect(s).toMatchObject({ oversizeLines: 1, skipped: 1 });
    expect(s.largestPartialLine).toBeLessThanOrEqual(maxLineBytes);
    expect(s.bytesRead).toBe(statSync(path).size);
  });

  it('reads only the tail of a large file seen for the first time', async () => {
    const path = join(temp(), 's.jsonl');
    const big = ignoredLine.repeat(Math.ceil((1024 * 1024) / ignoredLine.length));
    writeFileSync(path, big + assistantLine('the latest'));
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt, { tailBytes: 4096 });
    await f.poke();
    expect(rt.texts()).toEqual(['the latest']);
    expect(f.stats().bytesRead).toBe(4096);
    expect(f.stats().skipped).toBe(0); // the cut line the tail starts in is not a skipped line
    expect(rt.cursors.s1?.transcript?.offset).toBe(statSync(path).size);
  });

  it('never opens a FIFO at the transcript path: the loop and the other files go on, the FIFO is reported', async () => {
    const dir = temp();
    const rt = spyRuntime();
    // more FIFOs than libuv has threads: a blocking open of each would starve every file operation
    for (let i = 0; i < 6; i++) {
      const fifo = join(dir, `fifo-${i}.jsonl`);
      execFileSync('mkfifo', [fifo]);
      rt.addSession(`fifo${i}`, fifo);
    }
    const path = join(dir, 'ok.jsonl');
    writeFileSync(path, assistantLine('the ordinary file'));
    rt.addSession('ok', path);
    const f = follower(rt);
    await f.poke();
    await f.poke();
    // file operations are not starved (a generous bound; a blocked pool never answers)
    await Promise.race([
      stat(path),
      new Promise((_, reject) => setTimeout(() => reject(new Error('fs starved')), 5000)),
    ]);
    expect(rt.texts()).toEqual(['the ordinary file']);
    const s = f.stats();
    expect(s.problems).toHaveLength(6);
    expect(s.problems[0]?.problem).toMatch(/FIFO/);
    expect(s.errors).toBe(6); // once per file, not once per poll
  });

  it('never reads a file owned by another user (a hook payload names the path)', async () => {
    const dir = temp();
    const path = join(dir, 'theirs.jsonl');
    writeFileSync(path, assistantLine('a secret of another user'));
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const me = process.getuid?.() ?? 1000;
    const f = follower(rt, { ownerUid: me + 1 });
    await f.poke();
    expect(rt.texts()).toEqual([]);
    expect(f.stats().problems[0]?.problem).toMatch(/owned by another user/);
    expect(f.stats().bytesRead).toBe(0);
    // the same file, read by its owner's server
    const own = follower(rt, { ownerUid: me });
    await own.poke();
    expect(rt.texts()).toEqual(['a secret of another user']);
  });

  it('a transcript path that leads to a device (a .jsonl link to /dev/zero) is refused, never read', async () => {
    const dir = temp();
    const path = join(dir, 'endless.jsonl');
    symlinkSync('/dev/zero', path);
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    await f.poke();
    await f.poke();
    expect(f.stats().problems[0]?.problem).toMatch(/character device, not a regular file/);
    expect(f.stats().bytesRead).toBe(0);
    expect(rt.texts()).toEqual([]);
  });

  it('reports a directory at the transcript path, and picks the path up once it is a file', async () => {
    const dir = temp();
    const path = join(dir, 'later.jsonl');
    execFileSync('mkdir', [path]);
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt);
    await f.poke();
    expect(f.stats().problems[0]?.problem).toMatch(/not a regular file/);
    execFileSync('rmdir', [path]);
    writeFileSync(path, assistantLine('now a file'));
    await f.poke();
    expect(rt.texts()).toEqual(['now a file']);
    expect(f.stats().problems).toEqual([]);
  });

  it('follows Codex rollout files, not other Codex paths nor Gemini chat files, and stops at the end', async () => {
    const dir = temp();
    const rollout = join(dir, 'rollout-2026-11-21T09-00-00-abc.jsonl');
    writeFileSync(
      rollout,
      `${JSON.stringify({ timestamp: '2026-11-21T09:00:00.000Z', type: 'event_msg', payload: { type: 'turn_aborted', reason: 'interrupted' } })}\n`,
    );
    const rt = spyRuntime();
    rt.addSession('codex1', rollout, 'codex');
    rt.addSession('codex2', join(dir, 'other.json'), 'codex');
    rt.addSession('gem', join(dir, 'session-1.json'), 'gemini');
    const f = follower(rt);
    await f.poke();
    expect(f.stats().sessions).toBe(1);
    expect(rt.texts()).toEqual(['interrupted']);
    rt.end('codex1');
    await f.poke();
    expect(f.stats().sessions).toBe(0);
  });

  it('a session that ended before it was ever followed gets one read of its whole file; one from before the start none', async () => {
    const dir = temp();
    const short = join(dir, 'short.jsonl');
    const old = join(dir, 'old.jsonl');
    writeFileSync(short, assistantLine('said in a one-second run'));
    writeFileSync(old, assistantLine('from before this server started'));
    const rt = spyRuntime();
    rt.addEnded('old', old, Date.now() - 3_600_000);
    const f = follower(rt);
    rt.addEnded('short', short, Date.now() + 1);
    await f.poke();
    await f.poke();
    await f.poke();
    expect(rt.texts()).toEqual(['said in a one-second run']);
    expect(f.stats().sessions).toBe(0);
  });

  it('hands a backlog over in parts: bounded entries and text per input, every entry once', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const f = follower(rt, { maxEntriesPerInput: 100, maxEntryBytesPerInput: 20_000 });
    writeFileSync(path, '');
    await f.poke();
    let backlog = '';
    for (let i = 0; i < 150; i++) backlog += assistantLine(`${i} ${'t'.repeat(i < 100 ? 10 : 2000)}`, i);
    appendFileSync(path, backlog);
    await f.poke();
    const withEntries = rt.inputs.filter((i) => i.entries.length > 0);
    expect(withEntries.length).toBeGreaterThan(2);
    for (const input of withEntries) {
      expect(input.entries.length).toBeLessThanOrEqual(100);
      const text = input.entries.reduce((n, e) => n + (e.kind === 'assistant-text' ? e.text.length : 0), 0);
      expect(text).toBeLessThan(20_000 + 2100);
    }
    expect(rt.texts().map((t) => Number(t.split(' ')[0]))).toEqual([...Array(150).keys()]);
    expect(rt.cursors.s1?.transcript).toMatchObject({ offset: statSync(path).size, entries: 150 });
  });

  it('hands bare progress over rarely: entries at once, ignored lines only after progressMs', async () => {
    const path = join(temp(), 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    let clock = 1_000_000;
    const f = follower(rt, { progressMs: 5000, now: () => clock });
    writeFileSync(path, ignoredLine);
    await f.poke(); // first read: the cursor is recorded at once
    expect(rt.inputs).toHaveLength(1);
    for (let i = 0; i < 50; i++) {
      appendFileSync(path, ignoredLine);
      clock += 50;
      await f.poke();
    }
    expect(rt.inputs).toHaveLength(1);
    clock += 5000;
    appendFileSync(path, ignoredLine);
    await f.poke();
    expect(rt.inputs).toHaveLength(2);
    appendFileSync(path, assistantLine('now'));
    await f.poke();
    expect(rt.inputs).toHaveLength(3);
    expect(rt.inputs[2]?.entries).toHaveLength(1);
  });
});

describe('transcript follower: polls (a clock of its own drives them)', () => {
  /** Moves the clock `steps` times by `ms`, polling what is due after each step. */
  async function run(f: ReturnType<typeof follower>, clock: { t: number }, steps: number, ms: number) {
    for (let i = 0; i < steps; i++) {
      clock.t += ms;
      await f.pollDue();
    }
  }

  it("a missing transcript is not stat'ed at every poll: its poll backs off to missingPollMaxMs, and the file is followed within that bound once it appears", async () => {
    const path = join(temp(), 'later.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const clock = { t: 1_000_000 };
    const f = follower(rt, { pollMs: 2000, missingPollMaxMs: 30_000, now: () => clock.t });
    await f.pollDue(); // start() looked once
    const first = f.stats().probes;
    expect(first).toBe(1);
    await run(f, clock, 150, 2000); // 300 s of 2 s polls: 150 stats without the back-off
    const missed = f.stats().probes - first;
    expect(missed).toBeGreaterThanOrEqual(9); // still looked at every 30 s
    expect(missed).toBeLessThanOrEqual(16); // after 4, 8, 16 s
    expect(f.stats()).toMatchObject({ waiting: 1, errors: 0, problems: [] });

    writeFileSync(path, assistantLine('there now'));
    let waited = 0;
    while (rt.texts().length === 0 && waited < 60_000) {
      await run(f, clock, 1, 1000);
      waited += 1000;
    }
    expect(rt.texts()).toEqual(['there now']);
    expect(waited).toBeLessThanOrEqual(30_000);
    expect(f.stats().waiting).toBe(0);
    // found: polled every pollMs again
    const found = f.stats().probes;
    await run(f, clock, 10, 2000);
    expect(f.stats().probes - found).toBe(10);
  });

  it("spreads the polls of many files over the interval instead of stat'ing them all at once", async () => {
    const dir = temp();
    const rt = spyRuntime();
    for (let i = 0; i < 100; i++) {
      const path = join(dir, `s${i}.jsonl`);
      writeFileSync(path, '');
      rt.addSession(`s${i}`, path);
    }
    const clock = { t: 1_000_000 };
    const f = follower(rt, { pollMs: 2000, now: () => clock.t });
    await f.pollDue();
    const perStep: number[] = [];
    for (let i = 0; i < 16; i++) {
      const before = f.stats().probes;
      await run(f, clock, 1, 250);
      perStep.push(f.stats().probes - before);
    }
    // two intervals: every file polled twice, about an eighth of them at each step of an eighth of the interval
    expect(perStep.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...perStep)).toBeLessThanOrEqual(30);
  });

  it("a missing transcript whose directory can be watched is stat'ed every 30 s only, and read as soon as it is created", async () => {
    const path = join(temp(), 'new.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const clock = { t: 1_000_000 };
    const f = follower(rt, { pollMs: 2000, missingPollMaxMs: 30_000, now: () => clock.t, watch: true });
    await f.pollDue(); // start() looked once
    await run(f, clock, 30, 2000);
    expect(f.stats()).toMatchObject({ waiting: 1, dirsWatched: 1 });
    // the watch says when it appears: the poll is a safety net, every 30 s (60 s: the first look and 2 more)
    const probes = f.stats().probes;
    expect(probes).toBeLessThanOrEqual(3);
    writeFileSync(path, assistantLine('hello')); // the clock stands still: no poll comes
    await waitFor(() => rt.texts().length === 1);
    expect(rt.texts()).toEqual(['hello']);
    expect(f.stats()).toMatchObject({ waiting: 0, dirsWatched: 0 });
    expect(f.stats().probes).toBeGreaterThan(probes);
    // there now: polled every pollMs again (truncation, replacement)
    const found = f.stats().probes;
    await run(f, clock, 10, 2000);
    expect(f.stats().probes - found).toBe(10);
  });

  it('where the directory cannot be watched (not created yet), a hook event of the session brings the poll back to pollMs', async () => {
    const dir = join(temp(), 'project');
    const path = join(dir, 's.jsonl');
    const rt = spyRuntime();
    rt.addSession('s1', path);
    const clock = { t: 1_000_000 };
    const f = follower(rt, {
      pollMs: 2000,
      missingPollMaxMs: 30_000,
      now: () => clock.t,
      watch: true,
      reconcileMs: 10,
    });
    await run(f, clock, 20, 2000);
    expect(f.stats()).toMatchObject({ waiting: 1, dirsWatched: 0 });
    mkdirSync(dir);
    writeFileSync(path, assistantLine('first message'));
    await run(f, clock, 1, 2000);
    expect(rt.texts()).toEqual([]); // backed off: not looked at yet
    (rt.listSessions()[0] as Session).lastActivityAt = clock.t; // a hook event
    await new Promise((r) => setTimeout(r, 200)); // reconcile (every 10 ms) sees it
    await run(f, clock, 1, 2000);
    expect(rt.texts()).toEqual(['first message']);
  });
});

/** The follower's counters as `system.info` reports them. */
async function transcriptStats(s: RunningServer): Promise<{ sessions: number }> {
  const body = (await fetch(`${s.url}/trpc/system.info`).then((r) => r.json())) as {
    result: { data: { transcripts: { sessions: number } } };
  };
  return body.result.data.transcripts;
}

describe('transcript follower in the server', () => {
  async function server(dataDir: string): Promise<RunningServer> {
    const s = await startTestServer({
      dataDir,
      transcripts: { reconcileMs: 50, pollMs: 100, progressMs: 200 },
    });
    return s;
  }

  it('hands transcript inputs to the runtime as the file grows (watch/poll), and reports its counters', async () => {
    const dir = temp();
    const path = join(dir, 'live.jsonl');
    const s = await server(join(dir, 'data'));
    cleanups.push(() => s.close());
    const dispatch = vi.spyOn(s.runtime, 'dispatch');
    const start = sessionStart('live-1');
    (start.payload as Record<string, unknown>).transcript_path = path;
    writeFileSync(path, fixtureLines[0] as string);
    expect((await postHook(s.url as string, start)).status).toBe(202);
    // followed from its start (it is small when first seen), its first line handed over as progress
    await waitFor(() => dispatch.mock.calls.some(([i]) => i.type === 'transcript'));
    for (const line of fixtureLines.slice(1)) appendFileSync(path, line);
    const texts = () =>
      dispatch.mock.calls.flatMap(([input]) =>
        input.type === 'transcript'
          ? input.entries.map((e) => (e.kind === 'assistant-text' ? e.text : e.kind))
          : [],
      );
    await waitFor(() => texts().length === fixtureTexts.length);
    expect(texts()).toEqual(fixtureTexts);
    expect((await transcriptStats(s)) as object).toMatchObject({
      sessions: 1,
      entries: fixtureTexts.length,
      skipped: 0,
      bytesRead: statSync(path).size,
    });
    // the end of the session ends the following
    await postHook(
      s.url as string,
      claudeEvent('live-1', 'SessionEnd', { reason: 'other', transcript_path: path }),
    );
    await waitFor(async () => (await transcriptStats(s)).sessions === 0);
  });

  it('resumes after a server restart at the cursor the core checkpointed: only the new lines are read', async () => {
    const dir = temp();
    const path = join(dir, 'resume.jsonl');
    const dataDir = join(dir, 'data');
    writeFileSync(path, fixtureLines[0] as string);
    const first = await server(dataDir);
    const start = sessionStart('resume-1');
    (start.payload as Record<string, unknown>).transcript_path = path;
    expect((await postHook(first.url as string, start)).status).toBe(202);
    for (const line of fixtureLines.slice(1, 40)) appendFileSync(path, line);
    const cursorOf = (s: RunningServer) => getOwn(s.runtime.state.runtime, 'resume-1')?.transcript ?? null;
    await waitFor(() => cursorOf(first)?.offset === statSync(path).size);
    const early = entriesIn(fixtureLines.slice(0, 40));
    expect(early).toBeGreaterThan(0);
    expect(cursorOf(first)).toMatchObject({ path, entries: early });
    await first.close();

    const appended = fixtureLines.slice(40).join('');
    appendFileSync(path, appended);
    const second = await server(dataDir);
    cleanups.push(() => second.close());
    await waitFor(() => cursorOf(second)?.offset === statSync(path).size);
    expect(second.services.transcripts?.stats()).toMatchObject({
      bytesRead: Buffer.byteLength(appended),
      entries: fixtureTexts.length - early,
    });
    expect(cursorOf(second)).toMatchObject({ entries: fixtureTexts.length, skipped: 0 });
  });

  it('an Esc at a permission prompt, seen only in the transcript, takes the card out of approval', async () => {
    const dir = temp();
    const path = join(dir, 'esc.jsonl');
    writeFileSync(path, '');
    const s = await server(join(dir, 'data'));
    cleanups.push(() => s.close());
    const url = s.url as string;
    const hook = (event: string, extra: Record<string, unknown> = {}) =>
      postHook(url, claudeEvent('esc-1', event, { transcript_path: path, ...extra }));
    await hook('SessionStart', { source: 'startup' });
    await hook('UserPromptSubmit', { prompt: 'delete the build dir', prompt_id: 'p-esc' });
    const tool = { tool_name: 'Bash', tool_input: { command: 'rm -rf build' }, tool_use_id: 'toolu_esc' };
    await hook('PreToolUse', tool);
    await hook('PermissionRequest', tool);
    await waitFor(() => s.runtime.getSession('esc-1')?.status === 'approval');
    // Claude Code fires no hook for the Esc; it writes the marker to the transcript
    appendFileSync(
      path,
      `${JSON.stringify({
        parentUuid: null,
        isSidechain: false,
        type: 'user',
        message: { role: 'user', content: [{ type: 'text', text: CLAUDE_INTERRUPTED_TOOL_USE }] },
        uuid: 'u-esc',
        timestamp: new Date().toISOString(),
        sessionId: 'esc-1',
        version: '2.1.328',
      })}\n`,
    );
    const after = await waitFor(() => {
      const x = s.runtime.getSession('esc-1');
      return x && x.status !== 'approval' ? x : null;
    });
    expect(after.status).toBe('waiting');
    expect(after.statusReason).toMatchObject({ cause: 'transcript' });
  });

  it('is off with transcripts.enabled: false', async () => {
    const s = await startTestServer({ file: { transcripts: { enabled: false } } });
    cleanups.push(() => s.close());
    expect(s.services.transcripts).toBeNull();
  });
});
