/**
 * The status rules of the shell and the core together, with real processes: a working session whose tool call is
 * still open stays working past the (configured) auto-idle timeout while its agent process lives, goes idle by the
 * same timeout once nothing runs, and ends when the process check finds the agent dead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { claudeEvent, postHook, prompt, sessionStart, startTestServer, waitFor } from './helpers.js';

const servers: RunningServer[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of servers) await s.close();
});

/** A stand-in agent process: alive until killed. */
function agentProcess(): number {
  const child = spawn('sleep', ['600'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

async function server() {
  // one second of silence is enough for auto-idle here: the rule is tested, not the constant
  const s = await startTestServer({ file: { autoIdleMs: { working: 1000 } } });
  servers.push(s);
  return s;
}

const bash = (id: string, event: 'PreToolUse' | 'PostToolUse', pid: number) =>
  claudeEvent(
    id,
    event,
    {
      tool_name: 'Bash',
      tool_input: { command: 'sleep 240' },
      tool_use_id: 'tu-long',
      ...(event === 'PostToolUse' ? { tool_response: { stdout: '' } } : {}),
    },
    { pid, permissionRequestHooked: true },
  );

describe('status rules (configured auto-idle, open work, process checks)', () => {
  it('a long tool call stays working past the timeout while the agent lives; idle once nothing runs', async () => {
    const s = await server();
    const url = s.url as string;
    const pid = agentProcess();
    const meta = { pid, permissionRequestHooked: true };
    await postHook(url, sessionStart('long-1', meta));
    await postHook(url, prompt('long-1', 'build it', meta));
    await postHook(url, bash('long-1', 'PreToolUse', pid));
    // three timeouts later it is still working, and the reason is the process check
    await new Promise((r) => setTimeout(r, 3500));
    const during = s.runtime.getSession('long-1');
    expect(during?.status).toBe('working');
    expect(during?.statusReason).toMatchObject({
      cause: 'pid',
      trigger: 'process-check',
      detail: `Bash: sleep 240 still running (process ${pid} alive)`,
    });
    await postHook(url, bash('long-1', 'PostToolUse', pid));
    const idle = await waitFor(() => {
      const x = s.runtime.getSession('long-1');
      return x?.status === 'idle' ? x : null;
    }, 10_000);
    expect(idle.statusReason).toMatchObject({ cause: 'timer', trigger: 'auto-idle' });
    expect(idle.statusHistory.map((r) => r.status)).toEqual(['idle', 'prompting', 'working', 'idle']);
  });

  it('when the agent died, the process check ends the session (no wait for the liveness poll)', async () => {
    const s = await server();
    const url = s.url as string;
    const pid = agentProcess();
    const meta = { pid, permissionRequestHooked: true };
    await postHook(url, sessionStart('long-2', meta));
    await postHook(url, prompt('long-2', 'build it', meta));
    await postHook(url, bash('long-2', 'PreToolUse', pid));
    const child = children.at(-1) as ChildProcess;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const ended = await waitFor(() => {
      const x = s.runtime.getSession('long-2');
      return x?.status === 'ended' ? x : null;
    }, 10_000);
    expect(ended).toMatchObject({ endReason: 'process-exited', statusReason: { cause: 'pid' } });
  });

  it('config.json autoIdleMs is validated', async () => {
    await expect(startTestServer({ file: { autoIdleMs: { working: 10 } } as never })).rejects.toThrow(
      /autoIdleMs/,
    );
    await expect(startTestServer({ file: { autoIdleMs: { idle: 5000 } } as never })).rejects.toThrow();
  });
});
