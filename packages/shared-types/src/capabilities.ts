/**
 * What Flightdeck can do for each agent CLI: the one table the dashboard (session page, approval card, Settings →
 * Hooks) says it from. Each row was checked with the real CLI at `testedVersion` (end-to-end tests in
 * apps/server/test: claude-*, codex-*, gemini-*). Plain words: shown as they are.
 */
import type { AgentCli } from './domain.js';

export interface CliCapabilities {
  cli: AgentCli;
  /** The product's name. */
  name: string;
  /** The version the end-to-end tests run. */
  testedVersion: string;
  approvals: {
    /** A permission question can be answered (allow/deny) from the dashboard. */
    fromDashboard: boolean;
    /** How, in a sentence (or why not, and where to answer instead). */
    how: string;
    /**
     * Seconds the hook holds the CLI by default while it waits for the dashboard's answer; null: the CLI's own
     * hook timeout (Claude Code) or no hold at all (Gemini CLI).
     */
    defaultHoldSeconds: number | null;
  };
  /** Where token usage is read from. */
  usage: string;
  /** The session file Flightdeck follows for what hooks miss. */
  sessionFile: string;
  /** Resuming a past session from the dashboard. */
  resume: { fromDashboard: boolean; how: string };
  /** Starting the CLI in a terminal from the dashboard. */
  launch: string;
  /** What Settings → Import history reads for it. */
  history: string;
}

export const CLI_CAPABILITIES: Readonly<Record<AgentCli, CliCapabilities>> = Object.freeze({
  claude: {
    cli: 'claude',
    name: 'Claude Code',
    testedVersion: '2.1.328',
    approvals: {
      fromDashboard: true,
      how: 'Claude Code asks Flightdeck before a tool runs and waits for your answer here (allow, deny with a message, allow for the session); answering in the terminal closes it here.',
      defaultHoldSeconds: null,
    },
    usage:
      'Tokens and cost per response from the transcript (message usage), and from OpenTelemetry when enabled.',
    sessionFile:
      'The transcript ~/.claude/projects/<project>/<session>.jsonl (interrupts, API errors, usage).',
    resume: {
      fromDashboard: true,
      how: '“Resume in terminal” runs claude --resume <session> in a new terminal.',
    },
    launch:
      'Start it in a terminal (optionally in tmux, locally or on an SSH host) with a first prompt and a permission mode.',
    history: 'Past sessions imported from ~/.claude/projects (subagents under their session).',
  },
  codex: {
    cli: 'codex',
    name: 'Codex CLI',
    testedVersion: '0.171.0',
    approvals: {
      fromDashboard: true,
      how: 'Codex asks Flightdeck before a tool runs and waits briefly (20 s by default; flightdeck hooks install --cli codex --codex-hold <seconds>), its own prompt blocked meanwhile: answer here within that time (allow or deny; no “allow for the session”), else in the terminal. codex exec never asks.',
      defaultHoldSeconds: 20,
    },
    usage:
      'Tokens per response from the rollout file (token_usage_record); cost only for models with a published price.',
    sessionFile:
      'The rollout ~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl (failed commands, interrupts, API errors, usage).',
    resume: { fromDashboard: false, how: 'Not from the dashboard: run codex resume in a terminal.' },
    launch: 'Start it in a terminal (optionally in tmux, locally or on an SSH host) with a first prompt.',
    history: 'Past sessions imported from the rollouts under ~/.codex/sessions.',
  },
  gemini: {
    cli: 'gemini',
    name: 'Gemini CLI',
    testedVersion: '0.61.0',
    approvals: {
      fromDashboard: false,
      how: 'Gemini CLI has no hook that can answer its permission question: Flightdeck shows the question (from its notification) and you answer in the terminal. Its before-tool hook can only allow or deny every call of a tool, which Flightdeck does not do.',
      defaultHoldSeconds: null,
    },
    usage:
      'Tokens per response from the chat file (tokens of each model message); cost only for models with a published price.',
    sessionFile: 'The chat file ~/.gemini/tmp/<project>/chats/session-*.jsonl (usage).',
    resume: { fromDashboard: false, how: 'Not from the dashboard: run gemini --resume in a terminal.' },
    launch: 'Start it in a terminal (optionally in tmux, locally or on an SSH host) with a first prompt.',
    history:
      'Past sessions imported from the chat files under ~/.gemini/tmp (session-*.jsonl; older .json chats are not).',
  },
});

/** The capabilities of `cli`. */
export function capabilitiesOf(cli: AgentCli): CliCapabilities {
  return CLI_CAPABILITIES[cli];
}

/** One line for the session page: "Approvals from here: …; usage: …; resume: …". */
export function capabilitySummary(cli: AgentCli): string {
  const c = CLI_CAPABILITIES[cli];
  const approvals = c.approvals.fromDashboard
    ? c.approvals.defaultHoldSeconds === null
      ? 'approvals from here'
      : `approvals from here within ${c.approvals.defaultHoldSeconds} s (default hold)`
    : 'approvals in the terminal only';
  const resume = c.resume.fromDashboard ? 'resume from here' : 'resume in the terminal';
  return `${approvals} · token usage counted · ${resume} · launch from here`;
}
