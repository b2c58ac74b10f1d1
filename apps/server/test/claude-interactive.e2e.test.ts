/**
 * End to end with the real Claude Code CLI in interactive mode, driven through tmux as a user would: throwaway HOME
 * and config, Flightdeck's hooks installed by `flightdeck hooks install`, a scripted fake Anthropic API on
 * loopback, a real server reading the hook spool and following the transcript. Each test presses the keys of one
 * situation and asserts the status timeline the dashboard's API reports (`sessions.get` → `statusHistory`),
 * within seconds of the moment it changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endReasonLabel } from '@flightdeck/core';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { createHold, type Script } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import type { AppRouter } from '../src/router/index.js';
import type { RunningServer } from '../src/server.js';
import {
  backgroundSubagent,
  bash,
  LONG_BUILD,
  NEEDS_APPROVAL,
  SUBAGENT_DONE,
  textReply,
  toolThenText,
} from './claude-situations.js';
import { claudeSuite } from './claude-suite.js';
import {
  type ClaudeHome,
  prepareClaudeHome,
  processAlive,
  startClaudeInTmux,
  type TmuxClaude,
} from './claude-tmux.js';
import { startTestServer, type TestServerOptions, waitFor } from './helpers.js';

/** How soon after the moment a status must change (the defects this guards against took minutes). */
const PROMPTLY_MS = 8_000;
/** The auto-idle timeout for `working` in the long-tool test (the default is minutes). */
const AUTO_IDLE_MS = 3_000;

const suite = claudeSuite();
const { cleanups } = suite;

type Client = ReturnType<typeof clientFor>;
/** A session as the dashboard's API returns it. */
type Session = Awaited<ReturnType<Client['sessions']['get']['query']>>;
type StatusReason = Session['statusHistory'][number];
function clientFor(server: RunningServer) {
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/trpc` })] });
}

interface Rig {
  home: ClaudeHome;
  claude: TmuxClaude;
  server: RunningServer;
  client: Client;
  /** The Claude session of this test's project (the newest one when there are several). */
  session(): Promise<Session | undefined>;
  get(id: string): Promise<Session>;
  /** Restarts the server on the same data dir. */
  restart(): Promise<void>;
}

/** A server on a fresh data dir, the fake API on `script`, and `claude <args>` running in tmux in a project. */
async function rig(script: Script, args: string[], file: TestServerOptions['file'] = {}): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), 'fd-claude-tmux-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  const dataDir = join(root, 'data');
  const api = suite.api();
  api.setScript(script);
  const home = await prepareClaudeHome({ root, dataDir, apiUrl: api.url });
  const options: TestServerOptions = { dataDir, file: { processCheckInterval: 1000, ...file } };
  const r = { server: await startTestServer(options) } as Rig;
  cleanups.push(() => r.server.close());
  r.home = home;
  r.client = clientFor(r.server);
  r.claude = await startClaudeInTmux(home, ['--permission-mode', 'default', ...args]);
  cleanups.push(() => r.claude.stop());
  r.session = async () =>
    (await r.client.sessions.list.query())
      .filter((s) => s.cli === 'claude' && s.projectPath === home.project)
      .sort((a, b) => b.startedAt - a.startedAt)[0];
  r.get = (id) => r.client.sessions.get.query({ sessionId: id });
  r.restart = async () => {
    await r.server.close();
    r.server = await startTestServer(options);
    r.client = clientFor(r.server);
  };
  return r;
}

/** Waits for this test's session (or session `id`) to satisfy `pred`; on timeout, says where it is instead. */
async function until(
  r: Rig,
  pred: (s: Session) => boolean,
  timeoutMs = 30_000,
  id?: string,
): Promise<Session> {
  let last: Session | undefined;
  try {
    return await waitFor(
      async () => {
        last = id ? await r.get(id).catch(() => undefined) : await r.session();
        return last && pred(last) ? last : undefined;
      },
      timeoutMs,
      100,
    );
  } catch {
    throw new Error(
      last
        ? `session ${last.sessionId} never got there within ${timeoutMs} ms: status ${last.status}, end reason ${last.endReason}, timeline ${describeTimeline(last.statusHistory)}`
        : `no session within ${timeoutMs} ms`,
    );
  }
}

/** The status-history entry that left `from` after `since` (the first later entry with another status). */
/** The status change that left `from` (entered at or after `since`): the entry right after it in the timeline. */
function leaving(history: StatusReason[], from: string, since: number): StatusReason | undefined {
  // changes made by one batch share a time: find the entry of `from` itself, not just any entry of that time
  const i = history.findIndex((h) => h.status === from && h.at >= since);
  return i >= 0 ? history[i + 1] : undefined;
}

const describeTimeline = (h: StatusReason[]) =>
  h.map((e) => `${e.status}/${e.cause}/${e.trigger}@${e.at}`).join(' → ');

describe('real Claude Code CLI, interactive, under tmux: the status timeline the dashboard reports', () => {
  it('Esc at a permission prompt: approval → waiting (transcript interrupt) within seconds, and it stays out of approval through a restart', async () => {
    const r = await rig(toolThenText(NEEDS_APPROVAL, 'Not removed.'), []);
    await r.claude.submit('please remove scratch.txt');
    await r.claude.waitForScreen(/Do you want to proceed/, 30_000);
    const asking = await until(r, (s) => s.status === 'approval');
    expect(asking.pendingApproval?.tool).toBe('Bash');

    const escAt = Date.now();
    await r.claude.keys('Escape');
    await r.claude.waitForScreen('Interrupted', 10_000);
    const after = await until(r, (s) => s.status !== 'approval', PROMPTLY_MS + 2_000, asking.sessionId);
    const timeline = describeTimeline(after.statusHistory);
    expect(after.status, timeline).toBe('waiting');
    expect(after.pendingApproval).toBeNull();
    expect(after.statusReason).toMatchObject({
      status: 'waiting',
      cause: 'transcript',
      trigger: 'interrupt',
    });
    const left = leaving(after.statusHistory, 'approval', asking.statusReason.at);
    expect(left, timeline).toMatchObject({ status: 'waiting', cause: 'transcript', trigger: 'interrupt' });
    expect(left!.at - escAt, timeline).toBeLessThan(PROMPTLY_MS);

    // A restart re-reads what it had: the session does not go back to "Needs approval".
    await r.restart();
    const restored = await r.get(asking.sessionId);
    expect(restored.status).not.toBe('approval');
    expect(restored.pendingApproval).toBeNull();
    // … nor once the restarted server has followed the transcript and checked the process again.
    await new Promise((res) => setTimeout(res, 2_500));
    const later = await r.get(asking.sessionId);
    expect(later.status, describeTimeline(later.statusHistory)).toBe('waiting');
    expect(later.pendingApproval).toBeNull();
    expect(later.statusHistory.filter((h) => h.at > left!.at).map((h) => h.status)).not.toContain('approval');
  }, 120_000);

  it('Esc mid-turn while a tool runs: working → waiting (transcript) within seconds, the tool call interrupted', async () => {
    const r = await rig(toolThenText(LONG_BUILD, 'Built.'), ['--allowedTools', 'Bash']);
    await r.claude.submit('build it');
    const running = await until(
      r,
      (s) => s.status === 'working' && s.toolLog.some((t) => t.tool === 'Bash' && t.status === 'running'),
    );
    await new Promise((res) => setTimeout(res, 1_000)); // the command is under way

    const escAt = Date.now();
    await r.claude.keys('Escape');
    await r.claude.waitForScreen('Interrupted', 10_000);
    const after = await until(r, (s) => s.status !== 'working', PROMPTLY_MS + 2_000, running.sessionId);
    const timeline = describeTimeline(after.statusHistory);
    expect(after.status, timeline).toBe('waiting');
    expect(after.statusReason.cause, timeline).toBe('transcript');
    const left = leaving(after.statusHistory, 'working', running.statusReason.at);
    expect(left, timeline).toMatchObject({ status: 'waiting', cause: 'transcript' });
    expect(left!.at - escAt, timeline).toBeLessThan(PROMPTLY_MS);
    const bash = after.toolLog.find((t) => t.tool === 'Bash');
    expect(bash?.status).toBe('interrupted');
    expect(after.currentTool).toBeNull();
  }, 120_000);

  it('Esc while the model is still streaming (no tool running): → waiting (transcript interrupt) within seconds', async () => {
    const hold = createHold();
    const r = await rig(() => ({ kind: 'hold', text: 'Let me think about this at length', hold }), []);
    await r.claude.submit('tell me a long story');
    await hold.started;
    await r.claude.waitForScreen('esc to interrupt', 10_000);
    const busy = await until(r, (s) => s.status === 'prompting' || s.status === 'working');
    const escAt = Date.now();
    await r.claude.keys('Escape');
    await r.claude.waitForScreen('Interrupted', 10_000);
    const after = await until(r, (s) => s.status === 'waiting', PROMPTLY_MS + 2_000, busy.sessionId);
    const timeline = describeTimeline(after.statusHistory);
    expect(after.statusReason, timeline).toMatchObject({
      status: 'waiting',
      cause: 'transcript',
      trigger: 'interrupt',
    });
    expect(after.statusReason.at - escAt, timeline).toBeLessThan(PROMPTLY_MS);
    expect(hold.aborted(), 'the CLI dropped the streaming request').toBe(true);
  }, 120_000);

  it('auto-idle applies only when nothing runs: a tool call longer than the timeout stays working; a silent model does go idle', async () => {
    const hold = createHold();
    let quiet = false;
    const r = await rig(
      (ctx) => {
        if (ctx.lastUserText.includes('think quietly')) quiet = true;
        // Part 2: a short command, then the model goes silent mid-answer (working, with nothing running).
        if (quiet)
          return ctx.lastToolResultId
            ? { kind: 'hold', text: 'Thinking', hold }
            : [bash('sleep 1', 'Wait a second')];
        return ctx.lastToolResultId
          ? [{ type: 'text', text: 'Slept eight seconds.' }]
          : [bash('sleep 8', 'Wait eight seconds')];
      },
      ['--allowedTools', 'Bash(sleep:*)'],
      { autoIdleMs: { working: AUTO_IDLE_MS } },
    );
    // 1. A tool call longer than the timeout: working all along, then waiting once the turn ends.
    await r.claude.submit('wait for eight seconds');
    const started = await until(r, (s) => s.toolLog.some((t) => t.tool === 'Bash' && t.status === 'running'));
    const toolStart = Date.now();
    // Well past the timeout, the command still running: still working.
    await new Promise((res) => setTimeout(res, AUTO_IDLE_MS + 2_500));
    const mid = await r.get(started.sessionId);
    expect(mid.toolLog.find((t) => t.tool === 'Bash')?.status, 'the sleep is still running').toBe('running');
    expect(mid.status, describeTimeline(mid.statusHistory)).toBe('working');
    const done = await until(r, (s) => s.status === 'waiting', 30_000, started.sessionId);
    const timeline = describeTimeline(done.statusHistory);
    expect(done.toolLog.find((t) => t.tool === 'Bash')?.status).toBe('ok');
    // every change from the tool call's start on (entries before it — the card's creation — may be just as recent)
    const sinceTool = done.statusHistory.slice(
      done.statusHistory.findIndex((h) => h.status === 'working' && h.at >= toolStart - 5_000),
    );
    expect(sinceTool[0]?.status, timeline).toBe('working');
    expect(
      sinceTool.map((h) => h.status),
      timeline,
    ).not.toContain('idle');
    expect(done.statusReason).toMatchObject({ status: 'waiting' });

    // 2. The same timeout with nothing running (the model silent mid-answer after a tool call): it does go idle,
    // by the timer.
    await r.claude.submit('think quietly');
    await hold.started;
    const heldAt = Date.now();
    expect((await r.get(started.sessionId)).status).toBe('working');
    const idle = await until(r, (s) => s.status === 'idle', AUTO_IDLE_MS + PROMPTLY_MS, started.sessionId);
    const idleTimeline = describeTimeline(idle.statusHistory);
    expect(idle.statusReason, idleTimeline).toMatchObject({ status: 'idle', cause: 'timer' });
    expect(idle.statusReason.at - heldAt, idleTimeline).toBeGreaterThanOrEqual(AUTO_IDLE_MS - 1_000);
    hold.release();
    await until(r, (s) => s.status === 'waiting', 30_000, started.sessionId);
  }, 120_000);

  it('kill from the dashboard: ended, end reason "killed"', async () => {
    const r = await rig(
      textReply(() => 'Here I am.'),
      [],
    );
    await r.claude.submit('say where you are');
    await r.claude.waitForScreen('Here I am.', 30_000);
    const waiting = await until(r, (s) => s.status === 'waiting' && s.pid !== null);
    const pid = r.claude.pid;
    expect(waiting.pid).toBe(pid);

    const killAt = Date.now();
    await r.client.sessions.kill.mutate({ sessionId: waiting.sessionId, confirm: true });
    const ended = await until(r, (s) => s.status === 'ended', PROMPTLY_MS + 2_000, waiting.sessionId);
    const timeline = describeTimeline(ended.statusHistory);
    expect(ended.endReason, timeline).toBe('killed');
    expect(endReasonLabel(ended.endReason)).toBe('Killed from Flightdeck');
    expect(ended.statusHistory.at(-1)).toMatchObject({ status: 'ended' });
    expect(ended.statusHistory.at(-1)!.at - killAt, timeline).toBeLessThan(PROMPTLY_MS);
    // The process is really gone, and the later SessionEnd (reason "other") does not relabel the end.
    await waitFor(() => !processAlive(pid), 10_000, 100);
    await new Promise((res) => setTimeout(res, 1_500));
    expect((await r.get(waiting.sessionId)).endReason).toBe('killed');
  }, 120_000);

  it('/clear: the old card ends (reason "clear") and the new card links to it both ways', async () => {
    const r = await rig(
      textReply((prompt) => (prompt.includes('second') ? 'Second reply.' : 'First reply.')),
      [],
    );
    await r.claude.submit('first question');
    await r.claude.waitForScreen('First reply.', 30_000);
    const first = await until(r, (s) => s.status === 'waiting');
    await r.claude.submit('/clear');
    const second = await until(r, (s) => s.sessionId !== first.sessionId);
    await r.claude.submit('second question');
    await r.claude.waitForScreen('Second reply.', 30_000);
    const old = await until(r, (s) => s.status === 'ended', PROMPTLY_MS, first.sessionId);
    expect(old.endReason).toBe('clear');
    expect(endReasonLabel(old.endReason)).toBe('Cleared with /clear');
    const fresh = await until(
      r,
      (s) => s.status === 'waiting' && s.totalPrompts === 1,
      30_000,
      second.sessionId,
    );
    expect(fresh.lineage).toContainEqual(
      expect.objectContaining({ direction: 'predecessor', relation: 'cleared', sessionId: first.sessionId }),
    );
    expect((await r.get(first.sessionId)).lineage).toContainEqual(
      expect.objectContaining({ direction: 'successor', relation: 'cleared', sessionId: second.sessionId }),
    );
    expect(fresh.promptHistory.map((p) => p.text)).toEqual(['second question']);
  }, 120_000);

  it("a background subagent's <task-notification> is an event, not a prompt", async () => {
    const r = await rig(backgroundSubagent(), ['--allowedTools', 'Bash(sleep:*)', 'Agent']);
    await r.claude.submit('start a background subagent');
    await r.claude.waitForScreen(SUBAGENT_DONE, 60_000);
    const s = await until(
      r,
      (x) => x.status === 'waiting' && x.events.some((e) => e.type === 'task-notification'),
      15_000,
    );
    expect(s.totalPrompts).toBe(1);
    expect(s.promptHistory.map((p) => p.text)).toEqual(['start a background subagent']);
    expect(s.promptHistory.some((p) => p.text.includes('<task-notification>'))).toBe(false);
    expect(s.currentPrompt ?? '').not.toContain('<task-notification>');
    expect(s.subagents.map((a) => a.status)).toEqual(['done']);
  }, 120_000);
});
