import type { HookMeta } from '@flightdeck/shared-types';

/** Longest value kept per meta field (the limits of `hookMetaSchema`). */
const LIMITS: Record<string, number> = {
  tty: 256,
  termProgram: 256,
  termProgramVersion: 256,
  term: 256,
  vscodePid: 64,
  tabId: 256,
  windowId: 64,
  tmux: 512,
  tmuxPane: 64,
  terminalId: 128,
  projectDir: 4096,
  parentSessionId: 256,
  teamName: 256,
  agentName: 256,
  agentType: 256,
  agentId: 256,
  agentColor: 64,
  host: 256,
};

/** Environment variable (as written by the hook script) → HookMeta field. */
const ENV_FIELDS: ReadonlyArray<readonly [string, keyof HookMeta]> = [
  ['TERM_PROGRAM', 'termProgram'],
  ['TERM_PROGRAM_VERSION', 'termProgramVersion'],
  ['TERM', 'term'],
  ['VSCODE_PID', 'vscodePid'],
  ['WINDOWID', 'windowId'],
  ['TMUX', 'tmux'],
  ['TMUX_PANE', 'tmuxPane'],
  ['FLIGHTDECK_TERMINAL_ID', 'terminalId'],
  ['CLAUDE_PROJECT_DIR', 'projectDir'],
  ['CLAUDE_CODE_PARENT_SESSION_ID', 'parentSessionId'],
  ['CLAUDE_CODE_TEAM_NAME', 'teamName'],
  ['CLAUDE_CODE_AGENT_NAME', 'agentName'],
  ['CLAUDE_CODE_AGENT_TYPE', 'agentType'],
  ['CLAUDE_CODE_AGENT_ID', 'agentId'],
  ['CLAUDE_CODE_AGENT_COLOR', 'agentColor'],
];

/** Tab/pane ids in order of preference. */
const TAB_VARS = [
  'ITERM_SESSION_ID',
  'KITTY_WINDOW_ID',
  'WARP_SESSION_ID',
  'WEZTERM_PANE',
  'TERM_SESSION_ID',
];

function clip(field: string, value: string): string {
  const max = LIMITS[field] ?? 256;
  return value.length > max ? value.slice(0, max) : value;
}

export interface MetaExtras {
  sentAt?: number;
  tty?: string;
  host?: string;
  /**
   * A held record (header `hold=1`): the absolute path of its FIFO (`<spool dir>/hold/<record id>`) and the hook
   * pid of its record name. Set only by the spool reader; without `hold=1` in the record it is ignored.
   */
  hold?: { fifo: string; pid: number };
}

/** Turns the raw `KEY=value` entries of a spool record into `HookMeta` (empty values are left out). */
export function metaFromRecord(raw: Record<string, string>, extras: MetaExtras = {}): HookMeta {
  const meta: HookMeta = {};
  const pid = Number(raw.pid);
  if (Number.isInteger(pid) && pid > 0) meta.pid = pid;
  for (const [env, field] of ENV_FIELDS) {
    const v = raw[env];
    if (v) (meta as Record<string, unknown>)[field] = clip(field, v);
  }
  for (const env of TAB_VARS) {
    const v = raw[env];
    if (v) {
      meta.tabId = clip('tabId', v);
      break;
    }
  }
  if (raw.GHOSTTY_RESOURCES_DIR) meta.ghostty = true;
  // Only whether the agent runs over SSH (the addresses in $SSH_CONNECTION are not kept).
  if (raw.SSH_CONNECTION) meta.ssh = true;
  // Our installers register PermissionRequest for Claude Code and Codex at every density.
  if (raw.cli === 'claude' || raw.cli === 'codex') meta.permissionRequestHooked = true;
  if (extras.tty) meta.tty = clip('tty', extras.tty);
  if (extras.host) meta.host = clip('host', extras.host);
  if (raw.hold === '1' && extras.hold && Number.isInteger(extras.hold.pid) && extras.hold.pid > 0) {
    meta.hold = extras.hold.fifo;
    meta.holdPid = extras.hold.pid;
  }
  if (extras.sentAt !== undefined && Number.isFinite(extras.sentAt) && extras.sentAt >= 0) {
    meta.sentAt = Math.round(extras.sentAt);
  }
  return meta;
}

/** Linux `tty_nr` (from /proc/<pid>/stat) → device path, or undefined when the process has no tty. */
export function ttyName(ttyNr: number): string | undefined {
  if (!Number.isInteger(ttyNr) || ttyNr <= 0) return undefined;
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `/dev/pts/${(major - 136) * 256 + minor}`;
  if (major === 4) return minor < 64 ? `/dev/tty${minor}` : `/dev/ttyS${minor - 64}`;
  if (major === 5 && minor === 0) return '/dev/tty';
  return undefined;
}
