/**
 * Which hook events Flightdeck registers for each CLI and density level (spec §3.4, extended to the
 * 31 Claude Code events of agent-hooks-reference §1.1).
 */

export const INSTALL_CLIS = ['claude', 'codex', 'gemini'] as const;
export type InstallCli = (typeof INSTALL_CLIS)[number];

export const DENSITIES = ['high', 'medium', 'low'] as const;
export type Density = (typeof DENSITIES)[number];

export const DEFAULT_DENSITY: Density = 'medium';

/**
 * Claude Code events never registered, whatever the density:
 * - `WorktreeCreate`: a hook there REPLACES git's worktree creation — registering would break it.
 * - `Setup`: only fires for `--init-only` / `--init` / `--maintenance`, carries no session state.
 * - `InstructionsLoaded`, `UserPromptExpansion`: no dashboard state; UserPromptSubmit follows anyway.
 * - `FileChanged`: needs literal filenames as matcher to watch anything; nothing for the dashboard.
 */
export const CLAUDE_EVENTS_NEVER: readonly string[] = [
  'WorktreeCreate',
  'Setup',
  'InstructionsLoaded',
  'UserPromptExpansion',
  'FileChanged',
];

/** Each CLI's events in the order they are written, with the lowest density that registers them. */
type Tiered = ReadonlyArray<readonly [event: string, from: Density]>;

/** high adds the noisy / rarely useful ones. */
const CLAUDE_TIERS: Tiered = [
  ['SessionStart', 'low'],
  ['UserPromptSubmit', 'low'],
  ['MessageDisplay', 'high'],
  ['PreToolUse', 'medium'],
  ['PermissionRequest', 'low'],
  ['PermissionDenied', 'medium'],
  ['PostToolUse', 'medium'],
  ['PostToolUseFailure', 'medium'],
  ['PostToolBatch', 'medium'],
  ['Notification', 'medium'],
  ['SubagentStart', 'medium'],
  ['SubagentStop', 'medium'],
  ['TaskCreated', 'medium'],
  ['TaskCompleted', 'medium'],
  ['TeammateIdle', 'high'],
  ['Elicitation', 'medium'],
  ['ElicitationResult', 'medium'],
  ['PreCompact', 'high'],
  ['PostCompact', 'high'],
  ['ConfigChange', 'high'],
  ['CwdChanged', 'medium'],
  ['DirectoryAdded', 'high'],
  ['WorktreeRemove', 'high'],
  ['Stop', 'low'],
  ['StopFailure', 'medium'],
  ['SessionEnd', 'low'],
];

/**
 * Codex hooks.json events. 0.171.0 (recorded, fixtures/codex-0.171.0) also fires `SessionEnd` when `codex exec`
 * finishes; it knows `Interrupt` and `PreModelRequest` too (not registered: no recording yet).
 */
const CODEX_TIERS: Tiered = [
  ['SessionStart', 'low'],
  ['UserPromptSubmit', 'low'],
  ['PreToolUse', 'medium'],
  ['PermissionRequest', 'low'],
  ['PostToolUse', 'medium'],
  ['SubagentStart', 'medium'],
  ['SubagentStop', 'medium'],
  ['PreCompact', 'high'],
  ['PostCompact', 'high'],
  ['Stop', 'low'],
  ['SessionEnd', 'low'],
];

/**
 * Gemini CLI events. `BeforeModel`/`AfterModel`/`BeforeToolSelection` are never registered:
 * AfterModel fires per streamed chunk and none of them carries dashboard state.
 */
const GEMINI_TIERS: Tiered = [
  ['SessionStart', 'low'],
  ['BeforeAgent', 'medium'],
  ['BeforeTool', 'high'],
  ['AfterTool', 'high'],
  ['AfterAgent', 'low'],
  ['PreCompress', 'high'],
  ['Notification', 'medium'],
  ['SessionEnd', 'low'],
];

const RANK: Readonly<Record<Density, number>> = { low: 0, medium: 1, high: 2 };

function byDensity(tiers: Tiered): Readonly<Record<Density, readonly string[]>> {
  const at = (d: Density) => tiers.filter(([, from]) => RANK[from] <= RANK[d]).map(([e]) => e);
  return { high: at('high'), medium: at('medium'), low: at('low') };
}

export const DENSITY_EVENTS: Readonly<Record<InstallCli, Readonly<Record<Density, readonly string[]>>>> = {
  claude: byDensity(CLAUDE_TIERS),
  codex: byDensity(CODEX_TIERS),
  gemini: byDensity(GEMINI_TIERS),
};

/** Events whose matcher filters on the tool name; they get `"matcher": "*"` (Claude, Gemini). */
export const TOOL_MATCHER_EVENTS: Readonly<Record<InstallCli, readonly string[]>> = {
  claude: ['PreToolUse', 'PermissionRequest', 'PermissionDenied', 'PostToolUse', 'PostToolUseFailure'],
  // Codex matchers are regexes and an omitted matcher matches every tool; "*" would be an invalid regex.
  codex: [],
  gemini: ['BeforeTool', 'AfterTool'],
};

/**
 * Claude Code version that introduced each event (agent-hooks-reference §1.1). Before 2.1.122 an
 * unknown event name could invalidate the WHOLE settings file, so for older versions we only
 * register events that version knows. Events whose version is undocumented use the 2.1.122 floor.
 */
export const CLAUDE_EVENT_SINCE: Readonly<Record<string, string>> = {
  PreToolUse: '1.0.38',
  PostToolUse: '1.0.38',
  Notification: '1.0.38',
  Stop: '1.0.38',
  SubagentStop: '1.0.41',
  PreCompact: '1.0.48',
  UserPromptSubmit: '1.0.54',
  SessionStart: '1.0.62',
  SessionEnd: '1.0.85',
  SubagentStart: '2.0.43',
  PermissionRequest: '2.0.45',
  TaskCompleted: '2.1.33',
  TeammateIdle: '2.1.33',
  ConfigChange: '2.1.49',
  WorktreeRemove: '2.1.50',
  PostCompact: '2.1.76',
  Elicitation: '2.1.76',
  ElicitationResult: '2.1.76',
  StopFailure: '2.1.78',
  CwdChanged: '2.1.83',
  TaskCreated: '2.1.84',
  PermissionDenied: '2.1.89',
  PostToolUseFailure: '2.1.122',
  PostToolBatch: '2.1.122',
  MessageDisplay: '2.1.152',
  DirectoryAdded: '2.1.219',
};

/** From this Claude Code version on, unknown events / malformed entries are skipped, not fatal. */
export const CLAUDE_TOLERANT_SINCE = '2.1.122';

/** Compare dotted numeric versions (`2.1.9` < `2.1.10`); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** `1.2.3` out of `claude --version` style output, or null. */
export function parseVersion(text: string): string | null {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? null;
}

/**
 * The events to register. `cliVersion` (Claude Code only): drop events that version does not know
 * yet when it is older than CLAUDE_TOLERANT_SINCE. Unknown version = assume current.
 */
export function eventsFor(cli: InstallCli, density: Density, cliVersion?: string | null): readonly string[] {
  const all = DENSITY_EVENTS[cli][density];
  if (cli !== 'claude' || !cliVersion || compareVersions(cliVersion, CLAUDE_TOLERANT_SINCE) >= 0) return all;
  return all.filter((e) => compareVersions(CLAUDE_EVENT_SINCE[e] ?? CLAUDE_TOLERANT_SINCE, cliVersion) <= 0);
}

/** Hook timeout we register: Claude and Codex count seconds, Gemini milliseconds. */
export const HOOK_TIMEOUT_SECONDS = 10;
/**
 * Codex 0.171.0 caps a SessionEnd hook at 3 s and warns about any longer timeout on every start ("clamping SessionEnd
 * hook timeout to 3s"): we register 3.
 */
export const CODEX_SESSION_END_TIMEOUT_SECONDS = 3;

/**
 * The event whose hook is held open until Flightdeck (or the terminal) answers (`flightdeck-hook.sh <cli> --hold`).
 * Gemini CLI has no permission hook.
 */
export const HOLD_EVENT = 'PermissionRequest';
export const HOLD_FLAG = '--hold';
/** Claude Code shows its permission dialog while the hook waits: the hook's own timeout is only a backstop. */
export const CLAUDE_HOLD_SECONDS = 3600;
/** Codex's hook blocks its own prompt: a short hold by default (`hooks install --codex-hold <seconds>`). */
export const DEFAULT_CODEX_HOLD_SECONDS = 20;
export const CODEX_HOLD_MIN_SECONDS = 1;
export const CODEX_HOLD_MAX_SECONDS = 600;

export interface HookGroupOptions {
  /** Timeout of Codex's held PermissionRequest hook (default {@link DEFAULT_CODEX_HOLD_SECONDS}). */
  codexHoldSeconds?: number;
}

/** Whether `seconds` is a valid `--codex-hold` (a whole number of seconds, 1..600). */
export function isCodexHoldSeconds(seconds: unknown): seconds is number {
  return (
    typeof seconds === 'number' &&
    Number.isInteger(seconds) &&
    seconds >= CODEX_HOLD_MIN_SECONDS &&
    seconds <= CODEX_HOLD_MAX_SECONDS
  );
}

/** The hold timeout of `cli` (null: that CLI's permission hook is not held). */
function holdSeconds(cli: InstallCli, event: string, options: HookGroupOptions): number | null {
  if (event !== HOLD_EVENT) return null;
  if (cli === 'claude') return CLAUDE_HOLD_SECONDS;
  if (cli === 'codex') return options.codexHoldSeconds ?? DEFAULT_CODEX_HOLD_SECONDS;
  return null;
}

/**
 * The hook group Flightdeck writes for one event. Key order is part of the contract (byte-stable output).
 * PermissionRequest (Claude, Codex) runs `… <cli> --hold` with the long hold timeout; every other event keeps the
 * plain command and the 10 s timeout.
 */
export function buildHookGroup(
  cli: InstallCli,
  event: string,
  hookCommand: string,
  options: HookGroupOptions = {},
): Record<string, unknown> {
  const hold = holdSeconds(cli, event, options);
  const command = hold === null ? `${hookCommand} ${cli}` : `${hookCommand} ${cli} ${HOLD_FLAG}`;
  const handler: Record<string, unknown> =
    cli === 'gemini'
      ? { name: 'flightdeck', type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS * 1000 }
      : {
          type: 'command',
          command,
          timeout:
            hold ??
            (cli === 'codex' && event === 'SessionEnd'
              ? CODEX_SESSION_END_TIMEOUT_SECONDS
              : HOOK_TIMEOUT_SECONDS),
        };
  const group: Record<string, unknown> = {};
  if (TOOL_MATCHER_EVENTS[cli].includes(event)) group.matcher = '*';
  group.hooks = [handler];
  return group;
}

/** The Codex hold timeout recorded in a hook group we wrote (a manifest entry), or null. */
export function codexHoldOf(group: unknown): number | null {
  const handler = (group as { hooks?: unknown[] } | null)?.hooks?.[0] as Record<string, unknown> | undefined;
  const command = handler?.command;
  if (typeof command !== 'string' || !command.endsWith(` codex ${HOLD_FLAG}`)) return null;
  return isCodexHoldSeconds(handler?.timeout) ? handler.timeout : null;
}

/** The string that marks a hook handler as Flightdeck's: it lives inside the command itself. */
export const HOOK_MARKER = 'flightdeck-hook';

export function isFlightdeckHandler(handler: unknown): boolean {
  if (typeof handler !== 'object' || handler === null || Array.isArray(handler)) return false;
  const h = handler as Record<string, unknown>;
  const cmd = h.command;
  if (typeof cmd === 'string' && cmd.includes(HOOK_MARKER)) return true;
  const args = h.args;
  return Array.isArray(args) && args.some((a) => typeof a === 'string' && a.includes(HOOK_MARKER));
}
