/**
 * End to end with the real Claude Code CLI: `claude -p` against a scripted fake Anthropic API on loopback,
 * hooks installed into a throwaway HOME by our installer, events written by the real hook script into a
 * spool, drained by the spool reader. Compared with the recorded fixture of the same scenario.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildHookCommand,
  createSpoolReader,
  installHookScript,
  installHooks,
  resolveInstallTargets,
  type SpoolRecord,
} from '../src/index.js';
import { type FakeAnthropic, type Script, startFakeAnthropic } from './support/fake-anthropic.js';
import { makeTempDir } from './support/spool.js';

const CLAUDE = fileURLToPath(new URL('../node_modules/.bin/claude', import.meta.url));
const FIXTURE = fileURLToPath(
  new URL('../../../fixtures/claude-code-2.1.328/subagent-and-resume.jsonl', import.meta.url),
);

// Root may not use --dangerously-skip-permissions; allow the scenario's tools explicitly instead.
const ALLOW = ['--allowedTools', 'Write,Read,Edit,Bash,Agent,Task'];

/** The scenario of the fixture: Write, Read, Edit, a failing Bash, a subagent, final text; then --continue. */
const script: Script = (ctx) => {
  if (!ctx.hasTools) return [{ type: 'text', text: 'Flightdeck e2e' }]; // titles and other side requests
  const last = ctx.lastToolResultId ?? '';
  if (ctx.firstUserText.includes('SUBTASK-ALPHA')) {
    if (last.startsWith('toolu_fd_bash')) return [{ type: 'text', text: 'Subagent finished SUBTASK-ALPHA.' }];
    return [
      {
        type: 'tool_use',
        name: 'Bash',
        input: { command: 'echo from-subagent', description: 'subagent step' },
      },
    ];
  }
  if (ctx.lastUserText.includes('<task-notification>'))
    return [{ type: 'text', text: 'Noted the subagent result.' }];
  if (last.startsWith('toolu_fd_write'))
    return [{ type: 'tool_use', name: 'Read', input: { file_path: FILE() } }];
  if (last.startsWith('toolu_fd_read')) {
    return [
      {
        type: 'tool_use',
        name: 'Edit',
        input: { file_path: FILE(), old_string: 'beta', new_string: 'gamma' },
      },
    ];
  }
  if (last.startsWith('toolu_fd_edit')) {
    return [
      { type: 'tool_use', name: 'Bash', input: { command: 'exit 3', description: 'a failing command' } },
    ];
  }
  if (last.startsWith('toolu_fd_bash') && !SECOND.started) {
    return [
      {
        type: 'tool_use',
        name: 'Agent',
        input: {
          description: 'Run subtask',
          prompt: 'SUBTASK-ALPHA: run one echo and report',
          subagent_type: 'general-purpose',
        },
      },
    ];
  }
  if (last.startsWith('toolu_fd_agent')) return [{ type: 'text', text: 'Turn one complete.' }];
  if (last.startsWith('toolu_fd_bash') && SECOND.started)
    return [{ type: 'text', text: 'Second part done.' }];
  if (ctx.lastUserText.includes('E2E-SECOND')) {
    return [
      { type: 'tool_use', name: 'Bash', input: { command: 'echo second-run', description: 'second step' } },
    ];
  }
  if (ctx.lastUserText.includes('E2E-FIRST')) {
    return [{ type: 'tool_use', name: 'Write', input: { file_path: FILE(), content: 'alpha\nbeta\n' } }];
  }
  return [{ type: 'text', text: 'ok' }];
};

let projectDir = '';
const FILE = () => join(projectDir, 'notes.txt');
const SECOND = { started: false };

function runClaude(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLAUDE, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

type Ev = {
  event: string;
  tool?: string;
  agent?: string;
  source?: string;
  session: string;
  record: SpoolRecord;
};

function summarize(records: SpoolRecord[]): Ev[] {
  return records.map((r) => {
    const p = r.envelope.payload as Record<string, unknown>;
    return {
      event: String(p.hook_event_name),
      ...(typeof p.tool_name === 'string' ? { tool: p.tool_name } : {}),
      ...(typeof p.agent_id === 'string' ? { agent: p.agent_id } : {}),
      ...(typeof p.source === 'string' ? { source: p.source } : {}),
      session: String(p.session_id),
      record: r,
    };
  });
}

describe('real Claude Code CLI → hook script → spool → reader', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let api: FakeAnthropic;
  let spool = '';
  let env: Record<string, string> = {};
  const records: SpoolRecord[] = [];
  let run1: { code: number | null; stdout: string; stderr: string };
  let run2: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    expect(existsSync(CLAUDE)).toBe(true);
    tmp = makeTempDir('fd-e2e-');
    const home = join(tmp.dir, 'home');
    projectDir = join(tmp.dir, 'project');
    mkdirSync(home, { recursive: true });
    mkdirSync(projectDir, { recursive: true });
    api = await startFakeAnthropic(script);

    const targets = resolveInstallTargets({ env: { HOME: home }, homedir: home });
    spool = targets.spoolDir;
    const installed = await installHookScript({ targets });
    const result = await installHooks({
      cli: 'claude',
      density: 'high',
      targets,
      hookCommand: installed.hookCommand,
    });
    expect(result.events).toEqual(
      expect.arrayContaining(['SessionStart', 'PreToolUse', 'SubagentStart', 'Stop']),
    );
    expect(buildHookCommand(installed.path)).toBe(installed.hookCommand);

    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ANTHROPIC_BASE_URL: api.url,
      ANTHROPIC_API_KEY: 'dummy',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      FLIGHTDECK_TERMINAL_ID: 'term-e2e',
      TMPDIR: tmp.dir,
    };
    const reader = createSpoolReader({ dir: spool, pollMs: 50, onBatch: (b) => records.push(...b) });
    reader.start();
    try {
      run1 = await runClaude(['-p', 'E2E-FIRST build the thing', ...ALLOW], env, projectDir, 90_000);
      SECOND.started = true;
      run2 = await runClaude(
        ['-p', '--continue', 'E2E-SECOND now the second part', ...ALLOW],
        env,
        projectDir,
        60_000,
      );
    } finally {
      reader.stop();
    }
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    tmp?.cleanup();
  });

  it('runs the scenario for real', () => {
    expect(run1.code, run1.stderr).toBe(0);
    expect(run2.code, run2.stderr).toBe(0);
    expect(readFileSync(FILE(), 'utf8')).toBe('alpha\ngamma\n'); // Write then Edit really ran
    expect(api.toolUses.map((t) => t.name)).toEqual(
      expect.arrayContaining(['Write', 'Read', 'Edit', 'Bash', 'Agent']),
    );
  });

  it('delivers every hook event of both runs through the spool, parsed and enriched', () => {
    const evs = summarize(records);
    const names = evs.map((e) => `${e.event}${e.tool ? `:${e.tool}` : ''}${e.agent ? '@sub' : ''}`);
    const session = evs[0]?.session;
    expect(evs.every((e) => e.session === session)).toBe(true);
    for (const r of records) {
      expect(r.envelope.cli).toBe('claude');
      expect(r.envelope.meta.terminalId).toBe('term-e2e');
      expect(r.envelope.meta.pid).toBeGreaterThan(0);
      expect(r.envelope.meta.sentAt).toBeGreaterThan(0);
    }
    // Run 1, in order (the subagent's events interleave with the parent's end of turn, as in the fixture).
    const run1End = names.indexOf('SessionEnd');
    expect(run1End).toBeGreaterThan(0);
    const first = names.slice(0, run1End + 1);
    const inOrder = (list: string[], expected: string[]) => {
      let i = 0;
      for (const n of list) if (n === expected[i]) i++;
      return i === expected.length
        ? true
        : `missing ${expected[i]} after ${expected[i - 1]} in ${list.join(' ')}`;
    };
    expect(
      inOrder(first, [
        'SessionStart',
        'UserPromptSubmit',
        'PreToolUse:Write',
        'PostToolUse:Write',
        'PreToolUse:Read',
        'PostToolUse:Read',
        'PreToolUse:Edit',
        'PostToolUse:Edit',
        'PreToolUse:Bash',
        'PostToolUseFailure:Bash',
        'PreToolUse:Agent',
        'PostToolUse:Agent',
        'Stop',
        'SessionEnd',
      ]),
    ).toBe(true);
    expect(
      inOrder(first, [
        'SubagentStart@sub',
        'PreToolUse:Bash@sub',
        'PostToolUse:Bash@sub',
        'SubagentStop@sub',
      ]),
    ).toBe(true);
    expect(first.indexOf('SubagentStart@sub')).toBeGreaterThan(first.indexOf('PreToolUse:Agent'));
    expect(first[0]).toBe('SessionStart');
    expect(evs[0]?.source).toBe('startup');

    // Run 2: --continue resumes the same session.
    const second = evs.slice(run1End + 1);
    // meta.pid is the agent process (past Claude's per-hook `sh -c` wrapper): one pid per run.
    const pids1 = new Set(evs.slice(0, run1End + 1).map((e) => e.record.envelope.meta.pid));
    const pids2 = new Set(second.map((e) => e.record.envelope.meta.pid));
    expect(pids1.size).toBe(1);
    expect(pids2.size).toBe(1);
    expect([...pids1][0]).not.toBe([...pids2][0]);
    expect(second[0]?.event).toBe('SessionStart');
    expect(second[0]?.source).toBe('resume');
    expect(second.map((e) => `${e.event}${e.tool ? `:${e.tool}` : ''}`)).toEqual(
      expect.arrayContaining([
        'UserPromptSubmit',
        'PreToolUse:Bash',
        'PostToolUse:Bash',
        'Stop',
        'SessionEnd',
      ]),
    );
    expect(second[second.length - 1]?.event).toBe('SessionEnd');

    // Ids are unique and increasing in delivery order.
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);

    const failure = evs.find((e) => e.event === 'PostToolUseFailure')!.record.envelope.payload;
    expect(String(failure.error)).toMatch(/exit code 3/i);
  });

  it('matches the event sequence of the recorded fixture', () => {
    const fixture = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const key = (p: Record<string, unknown>) =>
      `${String(p.hook_event_name)}${typeof p.tool_name === 'string' ? `:${p.tool_name}` : ''}${typeof p.agent_id === 'string' ? '@sub' : ''}`;
    const got = records.map((r) => key(r.envelope.payload));
    const want = fixture.map(key);
    // Same multiset of event kinds for the parts our script shares with the fixture's run (the fixture's fake
    // answered the task notification with one more Bash call; ours answers with text).
    const count = (list: string[], k: string) => list.filter((x) => x === k).length;
    for (const k of [
      'SessionStart',
      'SessionEnd',
      'PreToolUse:Write',
      'PostToolUse:Write',
      'PreToolUse:Read',
      'PreToolUse:Edit',
      'PostToolUseFailure:Bash',
      'PreToolUse:Agent',
      'PostToolUse:Agent',
      'SubagentStart@sub',
      'SubagentStop@sub',
      'PreToolUse:Bash@sub',
      'PostToolUse:Bash@sub',
    ]) {
      expect(`${k}=${count(got, k)}`).toBe(`${k}=${count(want, k)}`);
    }
    expect(count(got, 'PostToolBatch')).toBeGreaterThan(0);
  });
});
