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

const STRING_FIELD_SET: ReadonlySet<string> = new Set(STRING_FIELDS);

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
  // The object's own keys, rather than a look-up of every known field: V8 looks up a field an object lacks slowly
  // on some objects (those made by a spread, as `{ ...meta, host }` is), 3–4 µs for these 20 fields against 0.1 µs.
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (STRING_FIELD_SET.has(k)) {
      if (typeof v === 'string' && v !== '' && v.length <= MAX) out[k] = v;
      continue;
    }
    switch (k) {
      case 'pid':
      case 'holdPid':
        if (typeof v === 'number' && Number.isInteger(v) && v > 0) out[k] = v;
        break;
      case 'sentAt':
        if (typeof v === 'number' && Number.isFinite(v) && v > 0) out.sentAt = v;
        break;
      case 'ghostty':
      case 'permissionRequestHooked':
        if (v === true) out[k] = true;
        break;
      // Set by the spool reader only (see `hookMetaSchema`): the FIFO a held PermissionRequest hook waits on.
      case 'hold':
        if (typeof v === 'string' && v !== '' && v.length <= 4096) out.hold = v;
        break;
    }
  }
  return out as HookMeta;
}
