/**
 * The capability table the dashboard shows (@flightdeck/shared-types) against what is installed and pinned here:
 * the Codex hold it announces is the installer's default, the versions it names are the ones the e2e tests run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_CLIS, CLI_CAPABILITIES } from '@flightdeck/shared-types';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CODEX_HOLD_SECONDS } from '../src/index.js';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};

describe('CLI_CAPABILITIES', () => {
  it('has a row per CLI, named by its key', () => {
    expect(Object.keys(CLI_CAPABILITIES).sort()).toEqual([...AGENT_CLIS].sort());
    for (const cli of AGENT_CLIS) expect(CLI_CAPABILITIES[cli].cli).toBe(cli);
  });

  it('announces the Codex hold the installer writes by default, in its words too', () => {
    const codex = CLI_CAPABILITIES.codex.approvals;
    expect(codex.defaultHoldSeconds).toBe(DEFAULT_CODEX_HOLD_SECONDS);
    expect(codex.how).toContain(`${DEFAULT_CODEX_HOLD_SECONDS} s by default`);
  });

  it('names the versions pinned for the end-to-end tests', () => {
    expect(CLI_CAPABILITIES.claude.testedVersion).toBe(pkg.devDependencies['@anthropic-ai/claude-code']);
    expect(CLI_CAPABILITIES.codex.testedVersion).toBe(pkg.devDependencies['@openai/codex']);
    expect(CLI_CAPABILITIES.gemini.testedVersion).toBe(pkg.devDependencies['@google/gemini-cli']);
  });

  it('Gemini CLI cannot be answered from the dashboard; Claude Code and Codex can', () => {
    expect(AGENT_CLIS.filter((c) => CLI_CAPABILITIES[c].approvals.fromDashboard)).toEqual([
      'claude',
      'codex',
    ]);
  });
});
