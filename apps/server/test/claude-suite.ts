/** A vitest suite around the real Claude Code CLI: the fake Anthropic API for the whole file, cleanups after each test. */
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import {
  type FakeAnthropic,
  startFakeAnthropic,
} from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import { CLAUDE_BIN } from './claude-tmux.js';

export interface ClaudeSuite {
  /** The fake API (started before the first test). */
  api(): FakeAnthropic;
  /** Run in reverse order after each test. */
  cleanups: Array<() => unknown>;
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
  return {
    api: () => {
      if (!api) throw new Error('the fake API is not started');
      return api;
    },
    cleanups,
  };
}
