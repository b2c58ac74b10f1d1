/**
 * History import (issue 17) on real SQLite files and real transcript trees: a generated tree of 2,000 transcripts
 * plus the recorded Claude Code ones, imported once through the server's API (searchable, counted in analytics), a
 * second run importing nothing, an aborted run resumed (mid-file too), a grown file continued, live sessions left
 * alone.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSession } from '@flightdeck/core';
import { openSqlite, type SqliteAdapter, sessionRow, type WriteOp } from '@flightdeck/db';
import { afterEach, describe, expect, it } from 'vitest';
import { secretCorpus } from '../../../packages/core/test/redact-corpus.js';
import { defaultRoots } from '../src/import/files.js';
import { type ImportDeps, type ImportProgress, runImport } from '../src/import/run.js';
import { caller, claudeEvent, postHook, startTestServer, tmpDir, waitFor } from './helpers.js';
import {
  RECORDED_SESSION,
  sessionIdOf,
  TURN_TOKENS,
  transcriptOf,
  wordOf,
  writeTree,
} from './import-tree.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(prefix: string) {
  const t = tmpDir(prefix);
  cleanups.push(t.remove);
  return t.dir;
}

async function openDb(dir: string): Promise<SqliteAdapter> {
  mkdirSync(dir, { recursive: true });
  const db = await openSqlite({ file: join(dir, 'flightdeck.db') });
  cleanups.push(() => db.close());
  return db;
}

function deps(db: SqliteAdapter, over: Partial<ImportDeps> = {}): ImportDeps {
  return {
    adapter: db,
    redact: (t) => t,
    pricing: () => undefined,
    isLive: () => false,
    now: Date.now,
    ...over,
  };
}

function rootsAt(projects: string) {
  return { ...defaultRoots('/nonexistent-home'), claude: projects };
}

async function counts(db: SqliteAdapter) {
  const n = async (t: 'sessions' | 'prompts' | 'responses' | 'tool_calls' | 'usage_messages' | 'events') =>
    Number(
      (
        await db.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    sessions: await n('sessions'),
    prompts: await n('prompts'),
    responses: await n('responses'),
    tools: await n('tool_calls'),
    usage: await n('usage_messages'),
    events: await n('events'),
  };
}

const YEAR = 366 * 86_400_000;

describe('history import', () => {
  it('imports 2,000 transcripts once through the API: searchable, counted in analytics; a second run imports nothing', async () => {
    const dir = tmp('fd-import-');
    const projects = join(dir, 'home', '.claude', 'projects');
    const tree = writeTree(projects, 2000, { recorded: true });
    const server = await startTestServer({ dataDir: join(dir, 'data') });
    cleanups.push(() => server.close());
    const api = caller(server);
    const run = async (): Promise<ImportProgress> => {
      // one CLI: the other CLIs' default roots are in the real home directory
      await api.import.start({ from: projects, cli: 'claude' });
      await expect(api.import.start({ from: projects })).rejects.toThrow(/already running/);
      return waitFor(
        async () => {
          const p = await api.import.status();
          return p.state === 'running' ? null : p;
        },
        60_000,
        100,
      );
    };
    const first = await run();
    expect(first).toMatchObject({
      state: 'done',
      error: null,
      filesTotal: tree.files,
      filesDone: tree.files,
      sessions: 2001,
      bytesDone: first.bytesTotal,
      found: { claude: tree.files, codex: 0, gemini: 0 },
    });
    // found by full-text search (its first prompt, and the title made from it)
    const hits = await api.history.fullText({ query: wordOf(1234) });
    expect(hits.items.map((h) => [h.sessionId, h.kind]).sort()).toEqual([
      [sessionIdOf(1234), 'prompt'],
      [sessionIdOf(1234), 'title'],
    ]);
    // a stored, ended session with its prompts, tool calls and usage
    const s = (await api.history.get({ sessionId: sessionIdOf(5) })).session;
    expect(s).toMatchObject({
      status: 'ended',
      title: `please fix ${wordOf(5)} in the parser`,
      projectPath: '/home/dev/work/project-5',
      totalPrompts: 2,
      totalToolCalls: 2,
      usage: { inputTokens: 2 * TURN_TOKENS.input, outputTokens: 2 * TURN_TOKENS.output },
    });
    // counted in analytics like a live session (one count per response, the last line of a message wins)
    const q = { from: Date.UTC(2026, 0, 1), to: Date.now() + YEAR, groupBy: 'session' as const };
    const usage = await api.analytics.usage(q);
    const one = usage.groups.find((g) => g.key === sessionIdOf(77));
    expect(one).toMatchObject({
      inputTokens: 2 * TURN_TOKENS.input,
      outputTokens: 2 * TURN_TOKENS.output,
      cacheReadTokens: 2 * TURN_TOKENS.cacheRead,
      cacheWriteTokens: 2 * TURN_TOKENS.cacheWrite,
      messages: 4,
    });
    expect(usage.groups.some((g) => g.key === RECORDED_SESSION)).toBe(true);
    expect(usage.groups.length).toBe(2001);

    const second = await run();
    expect(second).toMatchObject({ state: 'done', filesTotal: 0, sessions: 0, filesUnchanged: tree.files });
    expect((await api.analytics.usage(q)).total).toEqual(usage.total);
  }, 90_000);

  it('an aborted run resumes where it left (mid-file too) and a grown file is continued: nothing lost, nothing doubled', async () => {
    const dir = tmp('fd-import-resume-');
    const projects = join(dir, 'projects');
    writeTree(projects, 40, { turns: 12, recorded: true });
    const whole = await openDb(join(dir, 'whole'));
    expect((await runImport(deps(whole), { roots: rootsAt(projects), clis: ['claude'] })).state).toBe('done');
    const expected = await counts(whole);
    expect(expected.sessions).toBe(41);

    // An abort lands inside a file (several batches per file) unless every file in hand was at its last batch
    // then: on such a run (rare, and a correct stop too) the abort is tried again at another point, on a fresh
    // database, so that what is resumed below is a run stopped mid-file.
    let db = await openDb(join(dir, 'try-0'));
    let midFile: Array<{ bytes_done: number }> = [];
    for (const [i, fraction] of [1 / 3, 1 / 4, 1 / 2, 2 / 5, 3 / 5].entries()) {
      if (i > 0) db = await openDb(join(dir, `try-${i}`));
      const controller = new AbortController();
      const stopped = await runImport(deps(db), {
        roots: rootsAt(projects),
        clis: ['claude'],
        signal: controller.signal,
        batchBytes: 1500, // several batches per file: the abort lands inside one
        onProgress: (p) => {
          if (p.bytesDone > p.bytesTotal * fraction) controller.abort();
        },
      });
      expect(stopped.state).toBe('aborted');
      const partial = await counts(db);
      expect(partial.prompts).toBeGreaterThan(0);
      expect(partial.prompts).toBeLessThan(expected.prompts);
      midFile = await db.db
        .selectFrom('import_files')
        .selectAll()
        .where('status', '=', 'importing')
        .execute();
      if (midFile.length > 0) break;
    }
    // stopped inside files (up to one per file read at once)
    expect(midFile.length).toBeGreaterThanOrEqual(1);
    for (const f of midFile) expect(f.bytes_done).toBeGreaterThan(0);

    const resumed = await runImport(deps(db), {
      roots: rootsAt(projects),
      clis: ['claude'],
      batchBytes: 1500,
    });
    expect(resumed.state).toBe('done');
    expect(resumed.filesTotal).toBeLessThan(42);
    expect(await counts(db)).toEqual(expected);

    // the file grows (the session went on): only the new lines are imported
    const path = join(projects, '-home-dev-work-project-3', `${sessionIdOf(3)}.jsonl`);
    const more = transcriptOf(3, 13)
      .split('\n')
      .slice(12 * 5, 13 * 5)
      .join('\n');
    appendFileSync(path, `${more}\n`);
    const grown = await runImport(deps(db), { roots: rootsAt(projects), clis: ['claude'] });
    expect(grown).toMatchObject({ state: 'done', filesTotal: 1, sessions: 1 });
    const after = await counts(db);
    expect(after).toEqual({
      ...expected,
      prompts: expected.prompts + 1,
      responses: expected.responses + 2, // the two lines of its answer (one text block each)
      tools: expected.tools + 1,
      usage: expected.usage + 2,
    });
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  }, 60_000);

  it('writes the steps of several files as one plan, one plan at a time, each of bounded size', async () => {
    const dir = tmp('fd-import-plans-');
    const projects = join(dir, 'projects');
    writeTree(projects, 30, { turns: 6 });
    const o = { roots: rootsAt(projects), clis: ['claude'] as const, batchBytes: 4000 };
    const whole = await openDb(join(dir, 'whole'));
    await runImport(deps(whole), { ...o, planOps: 1 });
    // the server's writer thread: a plan is written while the files are read
    const db = await openSqlite({ file: join(dir, 'threaded.db'), writerThread: true });
    cleanups.push(() => db.close());
    const plans: Array<Array<WriteOp['op']>> = [];
    let inFlight = 0;
    let most = 0;
    const adapter: ImportDeps['adapter'] = {
      db: db.db,
      async write(ops) {
        plans.push(ops.map((op) => op.op));
        most = Math.max(most, ++inFlight);
        try {
          return await db.write(ops);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const planOps = 60;
    const p = await runImport(deps(db, { adapter }), { ...o, planOps });
    expect(p).toMatchObject({ state: 'done', sessions: 30, filesDone: 30 });
    expect(await counts(db)).toEqual(await counts(whole));
    expect(most).toBe(1);
    /** The steps of a plan: each starts with its file's progress. */
    const steps = (plan: Array<WriteOp['op']>) => {
      const out: number[] = [];
      for (const op of plan) {
        if (op === 'importFile') out.push(1);
        else out[out.length - 1]! += 1;
      }
      return out;
    };
    const biggestStep = Math.max(...plans.flatMap(steps));
    expect(Math.max(...plans.map((plan) => steps(plan).length))).toBeGreaterThan(2);
    // full once `planOps` is reached; each of the two files read at once adds at most one step beyond it
    for (const plan of plans) expect(plan.length).toBeLessThan(planOps + 2 * biggestStep);
  });

  it('two imports of the same tree at once double nothing', async () => {
    const dir = tmp('fd-import-twice-');
    const projects = join(dir, 'projects');
    writeTree(projects, 30, { turns: 6 });
    const whole = await openDb(join(dir, 'whole'));
    await runImport(deps(whole), { roots: rootsAt(projects), clis: ['claude'] });
    const db = await openDb(dir);
    const o = { roots: rootsAt(projects), clis: ['claude'] as const, batchBytes: 1000 };
    const [a, b] = await Promise.all([runImport(deps(db), o), runImport(deps(db), o)]);
    expect([a.state, b.state]).toEqual(['done', 'done']);
    expect(await counts(db)).toEqual(await counts(whole));
  });

  it('leaves a live session alone: known to the runtime, or with a row the import did not write', async () => {
    const dir = tmp('fd-import-live-');
    const projects = join(dir, 'projects');
    writeTree(projects, 5);
    const db = await openDb(dir);
    // a session the runtime stored (its row written by the live path, not by an import)
    const live = {
      ...createSession({
        sessionId: sessionIdOf(1),
        cli: 'claude',
        projectPath: '/live',
        source: 'unknown',
        now: 1,
      }),
      title: 'live one',
    };
    await db.write([{ op: 'session', row: sessionRow(live) as never }]);
    const p = await runImport(deps(db, { isLive: (id) => id === sessionIdOf(2) }), {
      roots: rootsAt(projects),
      clis: ['claude'],
    });
    expect(p).toMatchObject({ state: 'done', sessions: 3, filesLive: 2 });
    const rows = await db.db.selectFrom('sessions').select(['id', 'title', 'status']).orderBy('id').execute();
    expect(rows.find((r) => r.id === sessionIdOf(1))).toEqual({
      id: sessionIdOf(1),
      title: 'live one',
      status: 'idle',
    });
    expect(rows.some((r) => r.id === sessionIdOf(2))).toBe(false);
    expect(
      await db.db
        .selectFrom('prompts')
        .select('id')
        .where('session_id', 'in', [sessionIdOf(1), sessionIdOf(2)])
        .execute(),
    ).toEqual([]);
    // a second run leaves them alone again
    const again = await runImport(deps(db), { roots: rootsAt(projects), clis: ['claude'] });
    expect(again).toMatchObject({ filesTotal: 0, filesLive: 2, filesUnchanged: 3 });
  });

  it('through a running server: a session live in it keeps its card; secrets are redacted before stored', async () => {
    const dir = tmp('fd-import-server-');
    const projects = join(dir, 'projects');
    writeTree(projects, 3);
    // a secret in a prompt and in a tool result: redacted before it is stored, like everything ingested
    const key = secretCorpus().find((c) => c.rule === 'anthropic-key')!.secret;
    const secretFile = join(projects, '-home-dev-work-project-0', `${sessionIdOf(0)}.jsonl`);
    writeFileSync(
      secretFile,
      transcriptOf(0, 1).replaceAll(wordOf(0), key).replaceAll('total 0', `key ${key}`),
    );
    const server = await startTestServer({ dataDir: join(dir, 'data') });
    cleanups.push(() => server.close());
    const id = sessionIdOf(1);
    await postHook(server.url!, claudeEvent(id, 'UserPromptSubmit', { prompt: 'live prompt', cwd: '/live' }));
    await waitFor(() => server.services.runtime.getSession(id));
    const api = caller(server);
    await api.import.start({ from: projects, cli: 'claude' });
    const p = await waitFor(async () => {
      const s = await api.import.status();
      return s.state === 'running' ? null : s;
    }, 20_000);
    expect(p).toMatchObject({ state: 'done', sessions: 2, filesLive: 1 });
    expect(server.services.runtime.getSession(id)?.status).not.toBe('ended');
    const live = await api.history.session({ sessionId: id });
    expect(live.title).toBe('live prompt');
    await expect(api.import.start({ from: 'relative/dir' })).rejects.toThrow(/from must be an absolute path/);
    const redacted = await api.history.get({ sessionId: sessionIdOf(0) });
    const stored = JSON.stringify(redacted);
    expect(stored).not.toContain(key);
    expect(redacted.prompts[0]?.text).toContain('[REDACTED:anthropic-key]');
    expect(redacted.toolCalls[0]?.result).toContain('[REDACTED:anthropic-key]');
  });
});
