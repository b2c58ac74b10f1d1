import type { HookMeta } from './types.js';

const STRING_FIELDS = [
  'tty',
  'termProgram',
  'termProgramVersion',
  'term',
  'vscodePid',
  'tabId',
  'windowId',
  'tmux',
  'tmuxPane',
  'terminalId',
  'projectDir',
  'parentSessionId',
  'teamName',
  'agentName',
  'agentType',
  'agentId',
  'agentColor',
  'host',
  'density',
  'weztermPane',
] as const;

const MAX = 1024;

/**
 * The hook enrichment as the core uses it: only known fields with the right type (strings non-empty and at most
 * 1024 chars, `pid` a positive integer, `sentAt` a finite number). The shell validates envelopes with zod at the
 * edge; this keeps `reduce` total even if something else slips through.
 */
export function cleanMeta(raw: unknown): HookMeta {
  const out: Record<string, unknown> = {};
  if (raw === null || typeof raw !== 'object') return out as HookMeta;
  const m = raw as Record<string, unknown>;
  for (const k of STRING_FIELDS) {
    const v = m[k];
    if (typeof v === 'string' && v !== '' && v.length <= MAX) out[k] = v;
  }
  if (typeof m.pid === 'number' && Number.isInteger(m.pid) && m.pid > 0) out.pid = m.pid;
  if (typeof m.sentAt === 'number' && Number.isFinite(m.sentAt) && m.sentAt > 0) out.sentAt = m.sentAt;
  if (m.ghostty === true) out.ghostty = true;
  if (m.permissionRequestHooked === true) out.permissionRequestHooked = true;
  // Set by the spool reader only (see `hookMetaSchema`): the FIFO a held PermissionRequest hook waits on.
  if (typeof m.hold === 'string' && m.hold !== '' && m.hold.length <= 4096) out.hold = m.hold;
  if (typeof m.holdPid === 'number' && Number.isInteger(m.holdPid) && m.holdPid > 0) out.holdPid = m.holdPid;
  return out as HookMeta;
}
