/**
 * Approvals end to end with the real Claude Code CLI in interactive mode under tmux (throwaway HOME and config,
 * Flightdeck's hooks installed by `flightdeck hooks install`, a scripted fake Anthropic API on loopback, a real
 * server reading the hook spool). The test answers the permission prompt the way a user of the dashboard would:
 * through `@flightdeck/client` (`approvals.list` / `approvals.decide`), or in the terminal with tmux send-keys.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../apps/server/src/server.js';
import { bash } from '../../../apps/server/test/claude-situations.js';
import { claudeSuite } from '../../../apps/server/test/claude-suite.js';
import {
  type ClaudeHome,
  prepareClaudeHome,
  startClaudeInTmux,
  type TmuxClaude,
} from '../../../apps/server/test/claude-tmux.js';
import { startTestServer, type TestServerOptions, waitFor } from '../../../apps/server/test/helpers.js';
import type { Script } from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { createFlightdeckClient, type FlightdeckClient } from '../src/index.js';

const DIALOG = /Do you want to proceed/;
/** Claude Code 2.1.328's dialog at the end of plan mode. */
const PLAN_DIALOG = /Exit plan mode\?/;

type ApprovalView = Awaited<ReturnType<FlightdeckClient['approvals']['list']['query']>>[number];
type ApprovalDecisionRecord = Awaited<ReturnType<FlightdeckClient['approvals']['history']['query']>>[number];

const suite = claudeSuite();
const { cleanups } = suite;

interface Rig {
  home: ClaudeHome;
  claude: TmuxClaude;
  server: RunningServer;
  fd: FlightdeckClient;
  /** The one pending approval of this test (waits for it). */
  pending(): Promise<ApprovalView>;
  history(): Promise<ApprovalDecisionRecord[]>;
}

/** Each prompt: one tool call, then (after its result) a text saying what the tool answered. */
function toolEachPrompt(call: ReturnType<typeof bash>, results: string[]): Script {
  return (ctx) => {
    if (!ctx.lastToolResultId) return [call];
    results.push(ctx.lastToolResultText);
    return [{ type: 'text', text: `Tool said: ${ctx.lastToolResultText.slice(0, 80)}` }];
  };
}

async function rig(script: Script, file: TestServerOptions['file'] = {}, mode = 'default'): Promise<Rig> {
  const root = mkdtempSync(join(tmpdir(), 'fd-approvals-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
  const dataDir = join(root, 'data');
  const api = suite.api();
  api.setScript(script);
  const home = await prepareClaudeHome({ root, dataDir, apiUrl: api.url });
  const r = { home } as Rig;
  r.server = await startTestServer({ dataDir, file });
  cleanups.push(() => r.server.close());
  r.fd = createFlightdeckClient({ url: r.server.url! });
  cleanups.push(() => r.fd.close());
  r.claude = await startClaudeInTmux(home, ['--permission-mode', mode]);
  cleanups.push(() => r.claude.stop());
  r.pending = () =>
    waitFor(
      async () => (await r.fd.approvals.list.query()).find((a) => a.cli === 'claude' && a.decidable),
      30_000,
      50,
    );
  r.history = () => r.fd.approvals.history.query({});
  return r;
}

describe('real Claude Code CLI under tmux: permission prompts answered from Flightdeck', () => {
  it('allow: the command runs', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch allowed.txt', 'Create a file'), results));
    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    const a = await r.pending();
    expect(a.tool).toBe('Bash');
    expect(a.rendering.kind).toBe('command');
    expect(a.rendering.text).toContain('touch allowed.txt');

    await expect(r.fd.approvals.decide.mutate({ id: a.id, behavior: 'allow' })).resolves.toMatchObject({
      outcome: 'allowed',
    });
    await waitFor(() => existsSync(join(r.home.project, 'allowed.txt')) || undefined, 20_000);
    await waitFor(() => results.length > 0 || undefined, 20_000);
    expect((await r.fd.approvals.list.query()).filter((p) => p.id === a.id)).toEqual([]);
    const [rec] = (await r.history()).filter((h) => h.id === a.id);
    expect(rec).toMatchObject({ outcome: 'allowed', tool: 'Bash', via: 'api' });
    expect(rec!.by).toMatchObject({ authenticated: false });
    // Exactly once: a second decision is refused and says why.
    await expect(r.fd.approvals.decide.mutate({ id: a.id, behavior: 'deny' })).rejects.toThrow(/already/i);
  }, 120_000);

  it('deny with a message: the command does not run and the agent receives the message', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch denied.txt', 'Create a file'), results));
    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    const a = await r.pending();
    const message = 'Not today: use the staging bucket';
    await r.fd.approvals.decide.mutate({ id: a.id, behavior: 'deny', message });
    await waitFor(() => results.length > 0 || undefined, 20_000);
    expect(results[0]).toContain(message);
    expect(existsSync(join(r.home.project, 'denied.txt'))).toBe(false);
    expect((await r.history()).find((h) => h.id === a.id)).toMatchObject({ outcome: 'denied', message });
  }, 120_000);

  it('answered in the terminal: closed as such within 2 s, and a late decide is refused with a clear error', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch terminal.txt', 'Create a file'), results));
    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    const a = await r.pending();
    const pressedAt = await answerInTerminal(r.claude); // "1. Yes" is selected
    const closed = await waitFor(async () => (await r.history()).find((h) => h.id === a.id), 10_000, 25);
    const seenAfter = Date.now() - pressedAt;
    expect(closed.outcome).toBe('terminal');
    expect(seenAfter).toBeLessThan(2_000);
    await waitFor(() => existsSync(join(r.home.project, 'terminal.txt')) || undefined, 20_000);
    await expect(r.fd.approvals.decide.mutate({ id: a.id, behavior: 'deny' })).rejects.toThrow(
      /already answered in the terminal/i,
    );
  }, 120_000);

  it('allow for this session: the same command a second time does not ask', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch remembered.txt', 'Create a file'), results));
    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    const a = await r.pending();
    await r.fd.approvals.decide.mutate({ id: a.id, behavior: 'allow', remember: 'session' });
    await waitFor(() => results.length >= 1 || undefined, 20_000);
    rmSync(join(r.home.project, 'remembered.txt'));

    await r.claude.submit('create it again');
    await waitFor(() => results.length >= 2 || undefined, 30_000);
    expect(existsSync(join(r.home.project, 'remembered.txt'))).toBe(true);
    const records = (await r.history()).filter((h) => h.tool === 'Bash');
    expect(records.map((h) => h.outcome)).toEqual(['allowed']);
    expect(records[0]!.remember).toBe('session');
    expect(await r.fd.approvals.list.query()).toEqual([]);
  }, 120_000);

  it('hold timeout: the approval closes as timed out and the terminal prompt still works', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch late.txt', 'Create a file'), results), {
      approvals: { holdSeconds: { claude: 2 } },
    });
    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    const a = await r.pending();
    const closed = await waitFor(async () => (await r.history()).find((h) => h.id === a.id), 15_000, 100);
    expect(closed.outcome).toBe('timed_out');
    expect(closed.closedAt - closed.openedAt).toBeGreaterThanOrEqual(2_000);
    await r.claude.waitForScreen(DIALOG, 5_000); // the terminal's dialog is still there
    await answerInTerminal(r.claude);
    await waitFor(() => existsSync(join(r.home.project, 'late.txt')) || undefined, 20_000);
  }, 120_000);

  it('a question (AskUserQuestion) answered from Flightdeck: the agent receives the chosen option', async () => {
    const results: string[] = [];
    const ask = {
      type: 'tool_use' as const,
      name: 'AskUserQuestion',
      input: {
        questions: [
          {
            question: 'Which database should the service use?',
            header: 'Database',
            multiSelect: false,
            options: [
              { label: 'PostgreSQL', description: 'A server' },
              { label: 'SQLite', description: 'A file' },
            ],
          },
        ],
      },
    };
    const r = await rig((ctx) => {
      if (!ctx.lastToolResultId) return [ask];
      results.push(ctx.lastToolResultText);
      return [{ type: 'text', text: 'Noted.' }];
    });
    await r.claude.submit('set up the service');
    const a = await r.pending();
    expect(a.tool).toBe('AskUserQuestion');
    expect(a.rendering.kind).toBe('question');
    expect(a.rendering.questions?.[0]?.options.map((o) => o.label)).toEqual(['PostgreSQL', 'SQLite']);
    await r.fd.approvals.decide.mutate({
      id: a.id,
      behavior: 'allow',
      answers: { 'Which database should the service use?': 'SQLite' },
    });
    await waitFor(() => results.length > 0 || undefined, 20_000);
    expect(results[0]).toContain('"Which database should the service use?"="SQLite"');
    expect((await r.history()).find((h) => h.id === a.id)).toMatchObject({ outcome: 'allowed' });
  }, 120_000);

  it('a plan (ExitPlanMode): shown with where to answer, its hook let go at once, the terminal approves it', async () => {
    const results: string[] = [];
    const r = await rig(
      (ctx) => {
        if (!ctx.lastToolResultId)
          return [{ type: 'tool_use', name: 'ExitPlanMode', input: { plan: '1. Add the migration' } }];
        results.push(ctx.lastToolResultText);
        return [{ type: 'text', text: 'Starting.' }];
      },
      {},
      'plan',
    );
    await r.claude.submit('plan the change');
    const a = await waitFor(
      async () => (await r.fd.approvals.list.query()).find((p) => p.tool === 'ExitPlanMode'),
      30_000,
      50,
    );
    expect(a).toMatchObject({ decidable: false, kind: 'input' });
    // 2.1.328 sends neither the PermissionRequest nor the PreToolUse with the plan: the card says where it is.
    expect(a.rendering).toMatchObject({ kind: 'plan', text: expect.stringMatching(/shown in the terminal/) });
    expect(a.notDecidableReason).toMatch(/terminal/);
    // Claude Code 2.1.328 ignores a hook's decision on a plan: the hook is let go (its FIFO gone), never decided.
    const holdDir = join(r.home.dataDir, 'spool', 'hold');
    await waitFor(() => readdirSync(holdDir).length === 0 || undefined, 10_000, 50);
    await expect(r.fd.approvals.decide.mutate({ id: a.id, behavior: 'allow' })).rejects.toThrow(/terminal/);
    await r.claude.waitForScreen(PLAN_DIALOG, 15_000);
    await answerInTerminal(r.claude, PLAN_DIALOG);
    await waitFor(() => results.length > 0 || undefined, 20_000);
    expect(results[0]).toMatch(/approved/i);
  }, 120_000);

  it('server down: the hook returns at once with no decision, and the terminal prompt works', async () => {
    const results: string[] = [];
    const r = await rig(toolEachPrompt(bash('touch offline.txt', 'Create a file'), results));
    await r.server.close();

    // The PermissionRequest command exactly as installed, fed a real payload: how long it takes, what it prints.
    const settings = JSON.parse(readFileSync(join(r.home.configDir, 'settings.json'), 'utf8')) as {
      hooks: Record<string, Array<{ hooks: Array<{ command: string; timeout?: number }> }>>;
    };
    const command = settings.hooks.PermissionRequest![0]!.hooks[0]!.command;
    expect(command).toContain('--hold');
    expect(settings.hooks.PermissionRequest![0]!.hooks[0]!.timeout).toBeGreaterThanOrEqual(600);
    const payload = readFileSync(
      new URL('../../../fixtures/claude-code-2.1.328/approval-denied-by-hook.jsonl', import.meta.url),
      'utf8',
    )
      .split('\n')
      .find((l) => l.includes('"PermissionRequest"'))!;
    const runs: Array<{ ms: number; out: string; code: number | null }> = [];
    for (let i = 0; i < 5; i++) runs.push(await runHook(command, payload, r.home.env));
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.out).toBe('');
    }
    const median = runs.map((x) => x.ms).sort((x, y) => x - y)[2]!;
    expect(median).toBeLessThan(100);

    await r.claude.submit('create the file');
    await r.claude.waitForScreen(DIALOG, 30_000);
    await answerInTerminal(r.claude);
    await waitFor(() => existsSync(join(r.home.project, 'offline.txt')) || undefined, 20_000);
  }, 120_000);
});

/**
 * Answers the terminal's dialog with "1. Yes" (Enter) as a user would, and returns when the key was taken: the
 * dialog ignores keys for a moment after it shows (a guard against stray typing), so the key is pressed again
 * while the dialog stays. Resolves to the time of the press that closed it.
 */
async function answerInTerminal(claude: TmuxClaude, dialog = DIALOG): Promise<number> {
  await new Promise((res) => setTimeout(res, 500));
  for (let attempt = 0; attempt < 10; attempt++) {
    const at = Date.now();
    await claude.keys('Enter');
    const until = Date.now() + 1_000;
    while (Date.now() < until) {
      if (!dialog.test(await claude.screen())) return at;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error(`the dialog never took the key; screen:\n${await claude.screen()}`);
}

function runHook(
  command: string,
  payload: string,
  env: Record<string, string>,
): Promise<{ ms: number; out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, out, code }));
    child.stdin.end(payload);
  });
}
