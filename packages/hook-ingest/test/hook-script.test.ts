import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSpoolReader,
  HOOK_SCRIPT_PATH,
  parseRecord,
  parseRecordName,
  type SpoolRecord,
} from '../src/index.js';
import { hookEnv, makeTempDir, runHook } from './support/spool.js';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const payload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: 'sess-1', hook_event_name: 'PreToolUse', tool_name: 'Bash', ...extra });

async function drainAll(dir: string): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  const reader = createSpoolReader({ dir, onBatch: (b) => out.push(...b) });
  await reader.drain();
  return out;
}

describe('flightdeck-hook.sh', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let spool: string;
  beforeEach(() => {
    tmp = makeTempDir();
    spool = join(tmp.dir, 'spool');
  });
  afterEach(() => tmp.cleanup());

  it('writes one complete record and prints nothing for claude', async () => {
    const r = runHook('claude', { input: payload(), env: hookEnv(spool) });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const files = readdirSync(spool).filter((f) => f.endsWith('.rec'));
    expect(files).toHaveLength(1);
    const name = parseRecordName(files[0]!);
    expect(name).not.toBeNull();
    const parsed = parseRecord(readFileSync(join(spool, files[0]!)));
    expect(parsed.kind).toBe('complete');
    if (parsed.kind === 'complete') {
      expect(parsed.meta.cli).toBe('claude');
      expect(JSON.parse(parsed.payload.toString())).toMatchObject({ session_id: 'sess-1' });
    }
  });

  it('prints exactly {} for gemini', async () => {
    const r = runHook('gemini', {
      input: JSON.stringify({ session_id: 'g1', hook_event_name: 'BeforeTool' }),
      env: hookEnv(spool),
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({});
    expect(r.stdout.trim()).toBe('{}');
    const [rec] = await drainAll(spool);
    expect(rec?.envelope.cli).toBe('gemini');
    // Gemini has no PermissionRequest hook: the core must keep its timeout heuristic.
    expect(rec?.envelope.meta.permissionRequestHooked).toBeUndefined();
  });

  it('exits 0 silently when the spool cannot be created or written', async () => {
    const blocker = join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    for (const dir of [join(blocker, 'spool'), '/proc/flightdeck-no-such-dir/spool']) {
      for (const cli of ['claude', 'codex']) {
        const r = runHook(cli, { input: payload(), env: hookEnv(dir) });
        expect(r.status).toBe(0);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe('');
      }
      const g = runHook('gemini', { input: payload(), env: hookEnv(dir) });
      expect(g.status).toBe(0);
      expect(g.stdout.trim()).toBe('{}');
    }
  });

  it('creates a missing spool directory', async () => {
    const deep = join(tmp.dir, 'new', 'spool');
    expect(runHook('claude', { input: payload(), env: hookEnv(deep) }).status).toBe(0);
    expect(await drainAll(deep)).toHaveLength(1);
  });

  it('captures the enrichment into meta, including values with newlines', async () => {
    const env = hookEnv(spool, {
      TERM_PROGRAM: 'iTerm.app',
      TERM_PROGRAM_VERSION: '3.5.0',
      TERM: 'xterm-256color',
      VSCODE_PID: '4242',
      ITERM_SESSION_ID: 'w0t1p0:ABC',
      WINDOWID: '12345',
      TMUX: '/tmp/tmux-0/default,1234,0\nsecond line',
      TMUX_PANE: '%3',
      GHOSTTY_RESOURCES_DIR: '/usr/share/ghostty',
      FLIGHTDECK_TERMINAL_ID: 'term-7',
      CLAUDE_PROJECT_DIR: '/home/dev/project with spaces',
      CLAUDE_CODE_PARENT_SESSION_ID: 'parent-1',
      CLAUDE_CODE_TEAM_NAME: 'red team',
      CLAUDE_CODE_AGENT_NAME: 'backend-engineer',
      CLAUDE_CODE_AGENT_TYPE: 'task',
      CLAUDE_CODE_AGENT_ID: 'agent-uuid',
      CLAUDE_CODE_AGENT_COLOR: 'blue',
      SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22',
    });
    const before = Date.now();
    expect(runHook('claude', { input: payload(), env }).status).toBe(0);
    const [rec] = await drainAll(spool);
    expect(rec).toBeDefined();
    const meta = rec!.envelope.meta;
    expect(meta).toMatchObject({
      termProgram: 'iTerm.app',
      termProgramVersion: '3.5.0',
      term: 'xterm-256color',
      vscodePid: '4242',
      tabId: 'w0t1p0:ABC',
      windowId: '12345',
      tmux: '/tmp/tmux-0/default,1234,0\nsecond line',
      tmuxPane: '%3',
      ghostty: true,
      terminalId: 'term-7',
      projectDir: '/home/dev/project with spaces',
      parentSessionId: 'parent-1',
      teamName: 'red team',
      agentName: 'backend-engineer',
      agentType: 'task',
      agentId: 'agent-uuid',
      agentColor: 'blue',
      // only that it runs over SSH, not the addresses
      ssh: true,
      // Claude Code: our hooks always include PermissionRequest.
      permissionRequestHooked: true,
    });
    expect(JSON.stringify(meta)).not.toContain('10.0.0.2');
    // The agent is the hook's parent: here the test process (spawnSync runs `sh` directly).
    expect(meta.pid).toBe(process.pid);
    expect(meta.sentAt).toBeGreaterThanOrEqual(before - 50);
    expect(meta.sentAt).toBeLessThanOrEqual(Date.now() + 50);
    expect(typeof meta.host).toBe('string');
  });

  it('walks past an `sh -c` wrapper to the agent process', async () => {
    // What Claude Code does: `sh -c "<command>"`; dash does not exec the last command, so $PPID is the wrapper.
    const r = spawnSync('sh', ['-c', `sh '${HOOK_SCRIPT_PATH}' claude; exit 0`], {
      input: payload(),
      env: hookEnv(spool),
    });
    expect(r.status).toBe(0);
    const [rec] = await drainAll(spool);
    expect(rec?.envelope.meta.pid).toBe(process.pid);
  });

  it('resolves the agent terminal (tty) when the agent runs in a pty', async () => {
    if (!existsSync('/usr/bin/script') || process.platform !== 'linux')
      return expect.fail('needs util-linux script');
    // The "agent" is a node process on a pty (util-linux `script`), which runs the hook and stays alive.
    const agent = `const { spawnSync } = require('node:child_process');
spawnSync('sh', [${JSON.stringify(HOOK_SCRIPT_PATH)}, 'claude'], { input: ${JSON.stringify(payload())}, stdio: ['pipe', 'ignore', 'ignore'] });
console.log('HOOKED ' + require('node:fs').readlinkSync('/proc/self/fd/0'));
setTimeout(() => {}, 4000);`;
    const child = spawn('script', ['-qec', `${process.execPath} -e ${shellQuote(agent)}`, '/dev/null'], {
      env: hookEnv(spool),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const ptyPath = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`agent did not run the hook: ${out}`)), 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /HOOKED (\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(ptyPath).toMatch(/^\/dev\/pts\/\d+$/);
      const [rec] = await drainAll(spool);
      expect(rec?.envelope.meta.tty).toBe(ptyPath);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('takes the Codex notify payload from the last argument', async () => {
    const notify = {
      type: 'agent-turn-complete',
      'thread-id': 't-1',
      'last-assistant-message': 'a "quoted"\nline',
    };
    const r = runHook('codex', { args: [JSON.stringify(notify)], env: hookEnv(spool) });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const [rec] = await drainAll(spool);
    expect(rec?.envelope.cli).toBe('codex');
    expect(rec?.envelope.payload).toEqual(notify);
  });

  it('round-trips a 1 MB payload byte for byte', async () => {
    const big = 'x'.repeat(512 * 1024) + 'é✓\\"\n'.repeat(1000) + 'y'.repeat(520 * 1024);
    const body = payload({ tool_response: { content: big } });
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    expect(runHook('claude', { input: body, env: hookEnv(spool) }).status).toBe(0);
    const [rec] = await drainAll(spool);
    expect((rec!.envelope.payload.tool_response as { content: string }).content).toBe(big);
  });

  it('gives records of one agent ids in capture order', async () => {
    for (let i = 0; i < 30; i++) runHook('claude', { input: payload({ seq: i }), env: hookEnv(spool) });
    const seqs = (await drainAll(spool)).map((r) => r.envelope.payload.seq);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
