/** A vitest suite around the real Claude Code CLI: the fake Anthropic API for the whole file, cleanups after each test. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  type FakeAnthropic,
  startFakeAnthropic,
} from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { CLAUDE_BIN, type ClaudeHome, prepareClaudeHome } from './claude-tmux.js';

/** The CLI's own binary behind the package manager's shim (so a PTY's process is claude itself). */
export const CLAUDE_EXE = join(CLAUDE_BIN, '../../@anthropic-ai/claude-code/bin/claude.exe');

export interface ClaudeSuite {
  /** The fake API (started before the first test). */
  api(): FakeAnthropic;
  /** Run in reverse order after each test. */
  cleanups: Array<() => unknown>;
  /**
   * A throwaway root (removed after the test) with a HOME where Flightdeck's hooks deliver to `<root>/data`, and the
   * environment of a terminal whose `claude` on PATH is the CLI itself (for `terminals.launch`).
   */
  terminalHome(prefix: string): Promise<{ dataDir: string; home: ClaudeHome; env: Record<string, string> }>;
}

export function claudeSuite(): ClaudeSuite {
  let api: FakeAnthropic | undefined;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    expect(existsSync(CLAUDE_BIN)).toBe(true);
    api = await startFakeAnthropic(() => [{ type: 'text', text: 'ok' }]);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await api?.close();
  });
  const apiOf = () => {
    if (!api) throw new Error('the fake API is not started');
    return api;
  };
  return {
    api: apiOf,
    cleanups,
    async terminalHome(prefix) {
      const root = mkdtempSync(join(tmpdir(), prefix));
      cleanups.push(() => rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));
      const dataDir = join(root, 'data');
      const home = await prepareClaudeHome({ root, dataDir, apiUrl: apiOf().url });
      const bin = join(root, 'bin');
      mkdirSync(bin);
      symlinkSync(existsSync(CLAUDE_EXE) ? CLAUDE_EXE : CLAUDE_BIN, join(bin, 'claude'));
      return { dataDir, home, env: { ...home.env, PATH: `${bin}:${home.env.PATH}` } };
    },
  };
}
