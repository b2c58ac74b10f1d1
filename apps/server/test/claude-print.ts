/** `claude -p …` (the real Claude Code CLI, print mode) against a fake API: its exit code and output. */
import { spawn } from 'node:child_process';
import { API_KEY, CLAUDE_BIN } from './claude-tmux.js';

/** One prompt that makes the CLI run one `echo` (allowed without asking), then answer; at most 3 turns. */
export const ECHO_PROMPT = ['say hi with echo', '--max-turns', '3', '--allowedTools', 'Bash(echo:*)'];

export function runClaudePrint(
  project: string,
  env: Record<string, string>,
  api: string,
  args: string[],
  /** Set last (`undefined` removes a variable), e.g. to let OpenTelemetry export. */
  overrides: Record<string, string | undefined> = {},
): Promise<{ code: number | null; out: string }> {
  const childEnv: Record<string, string | undefined> = {
    ...env,
    ANTHROPIC_BASE_URL: api,
    ANTHROPIC_API_KEY: API_KEY,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...overrides,
  };
  for (const [k, v] of Object.entries(childEnv)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve) => {
    const child = spawn(CLAUDE_BIN, ['-p', ...args], {
      cwd: project,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
