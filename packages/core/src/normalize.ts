import { type AgentCli, parseHookPayload } from '@flightdeck/shared-types';
import { clip, excerpt, LIMITS, oneLine } from './limits.js';
import type {
  BatchCall,
  DomainEvent,
  DomainEventBase,
  DomainEventBody,
  HookEnvelope,
  NormalizeResult,
} from './types.js';

/** Gemini CLI tool names → the Claude Code names the dashboard (and the approval categories) use. */
export const GEMINI_TOOL_NAMES: Record<string, string> = {
  run_shell_command: 'Bash',
  write_file: 'Write',
  replace: 'Edit',
  read_file: 'Read',
  read_many_files: 'Read',
  glob: 'Glob',
  grep: 'Grep',
  search_file_content: 'Grep',
  list_directory: 'LS',
  web_fetch: 'WebFetch',
  google_web_search: 'WebSearch',
  save_memory: 'Memory',
  write_todos: 'TodoWrite',
  ask_user: 'AskUserQuestion',
  enter_plan_mode: 'EnterPlanMode',
  exit_plan_mode: 'ExitPlanMode',
};

/** Display name of a tool for the dashboard. */
export function displayToolName(cli: AgentCli, rawTool: string): string {
  if (cli === 'gemini' && Object.hasOwn(GEMINI_TOOL_NAMES, rawTool))
    return GEMINI_TOOL_NAMES[rawTool] as string;
  return rawTool;
}

type Obj = Record<string, unknown>;

function s(o: Obj, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' ? v : null;
}
/** A short identifying string (path, id, mode, model): bounded. */
function short(o: Obj, k: string): string | null {
  const v = s(o, k);
  return v === null ? null : clip(v, 4096);
}
/** Longest accepted session id. */
const MAX_SESSION_ID = 512;
function n(o: Obj, k: string): number | null {
  const v = o[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function errorText(v: unknown): string {
  if (typeof v === 'string') return clip(v, LIMITS.excerpt);
  if (v && typeof v === 'object') {
    const m = (v as Obj).message;
    if (typeof m === 'string') return clip(m, LIMITS.excerpt);
  }
  return excerpt(v) ?? 'error';
}

function toolFields(cli: AgentCli, p: Obj) {
  const rawTool = s(p, 'tool_name') ?? 'unknown';
  return {
    tool: displayToolName(cli, rawTool),
    rawTool,
    toolInput: p.tool_input ?? {},
    toolUseId: s(p, 'tool_use_id'),
  };
}

/** Events that fire per streamed chunk or per line of output: no lifecycle entry. */
export const QUIET_EVENTS: ReadonlySet<string> = new Set([
  'MessageDisplay',
  'BeforeModel',
  'AfterModel',
  'BeforeToolSelection',
]);

function claudeLike(cli: AgentCli, event: string, p: Obj): DomainEventBody {
  switch (event) {
    case 'SessionStart':
      return {
        kind: 'session-start',
        source: s(p, 'source') ?? 'startup',
        sessionTitle: s(p, 'session_title'),
      };
    case 'UserPromptSubmit':
      return { kind: 'prompt', prompt: s(p, 'prompt') ?? '' };
    case 'PreToolUse':
      return { kind: 'tool-start', ...toolFields(cli, p) };
    case 'PostToolUse':
      return {
        kind: 'tool-end',
        ...toolFields(cli, p),
        response: p.tool_response,
        durationMs: n(p, 'duration_ms'),
      };
    case 'PostToolUseFailure':
      return {
        kind: 'tool-failed',
        ...toolFields(cli, p),
        error: errorText(p.error),
        interrupted: p.is_interrupt === true,
        durationMs: n(p, 'duration_ms'),
      };
    case 'PostToolBatch': {
      const calls = Array.isArray(p.tool_calls) ? (p.tool_calls as Obj[]) : [];
      return {
        kind: 'tool-batch',
        calls: calls.map(
          (c): BatchCall => ({
            tool: displayToolName(cli, s(c, 'tool_name') ?? 'unknown'),
            toolInput: c.tool_input ?? {},
            toolUseId: s(c, 'tool_use_id'),
            response: c.tool_response,
          }),
        ),
      };
    }
    case 'PermissionRequest':
      return {
        kind: 'permission-request',
        ...toolFields(cli, p),
        suggestions: Array.isArray(p.permission_suggestions) ? p.permission_suggestions : [],
        description: s(p, 'description'),
      };
    case 'PermissionDenied':
      return { kind: 'permission-denied', ...toolFields(cli, p), reason: s(p, 'reason') ?? 'denied' };
    case 'Notification': {
      const type = s(p, 'notification_type') ?? 'unknown';
      const needs =
        type === 'permission_prompt'
          ? 'approval'
          : type === 'elicitation_dialog' || type === 'elicitation_url_dialog' || type === 'agent_needs_input'
            ? 'input'
            : null;
      return {
        kind: 'notification',
        notificationType: type,
        message: clip(s(p, 'message') ?? '', LIMITS.excerpt),
        title: s(p, 'title'),
        needs,
        tool: null,
        inputSummary: null,
      };
    }
    case 'Elicitation':
      return {
        kind: 'notification',
        notificationType: 'elicitation',
        message: clip(
          s(p, 'message') ?? `${s(p, 'mcp_server_name') ?? 'MCP server'} asks for input`,
          LIMITS.excerpt,
        ),
        title: s(p, 'mcp_server_name'),
        needs: 'input',
        tool: null,
        inputSummary: null,
      };
    case 'ElicitationResult':
      return { kind: 'other', detail: `Elicitation ${s(p, 'action') ?? 'answered'}`, resolvesInput: true };
    case 'SubagentStart':
      return {
        kind: 'subagent-start',
        subagentId: s(p, 'agent_id') ?? 'unknown',
        subagentType: s(p, 'agent_type'),
      };
    case 'SubagentStop':
      return {
        kind: 'subagent-stop',
        subagentId: s(p, 'agent_id') ?? 'unknown',
        subagentType: s(p, 'agent_type'),
        lastMessage: s(p, 'last_assistant_message'),
        transcriptPath: s(p, 'agent_transcript_path'),
      };
    case 'Stop':
      return { kind: 'turn-end', lastMessage: s(p, 'last_assistant_message'), inputMessages: [] };
    case 'StopFailure':
      return {
        kind: 'turn-failed',
        error: errorText(p.error ?? 'unknown'),
        lastMessage: s(p, 'last_assistant_message'),
      };
    case 'PreCompact':
      return { kind: 'compact', phase: 'pre', trigger: s(p, 'trigger') };
    case 'PostCompact':
      return { kind: 'compact', phase: 'post', trigger: s(p, 'trigger') };
    case 'CwdChanged': {
      const newCwd = s(p, 'new_cwd');
      if (newCwd !== null) return { kind: 'cwd-changed', oldCwd: s(p, 'old_cwd'), newCwd };
      return { kind: 'other', detail: event, resolvesInput: false };
    }
    case 'SessionEnd':
      return { kind: 'session-end', reason: s(p, 'reason') ?? 'other' };
    default:
      return { kind: 'other', detail: otherDetail(event, p), resolvesInput: false };
  }
}

function otherDetail(event: string, p: Obj): string {
  const hint =
    s(p, 'task_subject') ??
    s(p, 'teammate_name') ??
    s(p, 'file_path') ??
    s(p, 'directory') ??
    s(p, 'command_name') ??
    s(p, 'name') ??
    s(p, 'worktree_path') ??
    s(p, 'trigger') ??
    s(p, 'source');
  return hint === null ? event : `${event}: ${oneLine(hint, LIMITS.summary)}`;
}

/**
 * Lines Gemini CLI's shell tool appends after the command's output in `llmContent` (0.61.0: `Output: …`, then
 * `Error: …`, `Exit Code: N` when not 0, `Signal: N`, `Background PIDs: …`, `Process Group PGID: N`).
 */
const SHELL_TRAILER = /^(Exit Code|Signal|Background PIDs|Process Group PGID): (.*)$/;

/**
 * Why a Gemini `run_shell_command` failed, or null. A non-zero exit is not a tool `error` for Gemini CLI: only its
 * `Exit Code: N` (or `Signal: N`) line says so. Read from the trailer lines at the end only (each at most once,
 * the last wins), so `Exit Code: 1` printed inside the command's output is not taken for its status. (Output
 * whose very last line reads `Exit Code: N` is indistinguishable from the trailer: the CLI sends nothing else.)
 */
export function shellFailure(resp: Obj): string | null {
  const text = s(resp, 'llmContent');
  if (text === null) return null;
  const lines = text.replace(/\n?<\/untrusted_context>\s*$/, '').split('\n');
  const trailer: Record<string, string> = {};
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = SHELL_TRAILER.exec(lines[i] as string);
    if (m === null || Object.hasOwn(trailer, m[1] as string)) break;
    trailer[m[1] as string] = m[2] as string;
  }
  const code = trailer['Exit Code'];
  const signal = trailer.Signal;
  if (code === undefined && signal === undefined) return null;
  const what = code !== undefined ? `Exit code ${code}` : `Signal ${signal}`;
  const shown = s(resp, 'returnDisplay');
  return clip(shown === null ? what : `${what}: ${shown}`, LIMITS.excerpt);
}

/**
 * The tool a Gemini `ToolPermission` notice asks about, named as the dashboard names it. 0.61.0 sends the dialog's
 * `details` (`type`, `title`, …): `exec` is the shell (`title` "Confirm Shell Command"), `mcp` names the tool; other
 * kinds keep their title.
 */
function permissionTool(details: Obj): string | null {
  if (details.type === 'exec') return displayToolName('gemini', 'run_shell_command');
  if (details.type === 'mcp') return s(details, 'toolName') ?? s(details, 'title');
  return s(details, 'title');
}

function gemini(event: string, p: Obj): DomainEventBody {
  switch (event) {
    case 'BeforeAgent':
      return { kind: 'prompt', prompt: s(p, 'prompt') ?? '' };
    case 'AfterAgent':
      return { kind: 'turn-end', lastMessage: s(p, 'prompt_response'), inputMessages: [] };
    case 'BeforeTool':
      return { kind: 'tool-start', ...toolFields('gemini', p) };
    case 'AfterTool': {
      const resp = p.tool_response;
      const obj = (resp && typeof resp === 'object' ? resp : {}) as Obj;
      const err = obj.error;
      const failed =
        err !== undefined && err !== null && err !== false && err !== ''
          ? errorText(err)
          : s(p, 'tool_name') === 'run_shell_command'
            ? shellFailure(obj)
            : null;
      if (failed !== null) {
        return {
          kind: 'tool-failed',
          ...toolFields('gemini', p),
          error: failed,
          interrupted: false,
          durationMs: null,
        };
      }
      return { kind: 'tool-end', ...toolFields('gemini', p), response: resp, durationMs: null };
    }
    case 'PreCompress':
      return { kind: 'compact', phase: 'pre', trigger: s(p, 'trigger') };
    case 'Notification': {
      const type = s(p, 'notification_type') ?? 'unknown';
      const details = (p.details && typeof p.details === 'object' ? p.details : {}) as Obj;
      const summary =
        s(details, 'command') ??
        s(details, 'filePath') ??
        s(details, 'fileName') ??
        s(details, 'url') ??
        null;
      return {
        kind: 'notification',
        notificationType: type,
        message: clip(s(p, 'message') ?? '', LIMITS.excerpt),
        title: s(details, 'title'),
        needs: type === 'ToolPermission' ? 'approval' : null,
        tool: permissionTool(details),
        inputSummary: summary === null ? null : oneLine(summary, LIMITS.summary),
      };
    }
    case 'SessionStart':
    case 'SessionEnd':
      return claudeLike('gemini', event, p);
    default:
      return { kind: 'other', detail: event, resolvesInput: false };
  }
}

/**
 * Turns one hook envelope of Claude Code, Codex or Gemini CLI into domain events (usually exactly one).
 * Validates the payload with the shared zod schemas; never throws.
 */
export function normalize(envelope: HookEnvelope): NormalizeResult {
  if (envelope === null || typeof envelope !== 'object')
    return { ok: false, error: 'envelope: expected object' };
  const cli = envelope.cli;
  if (cli !== 'claude' && cli !== 'codex' && cli !== 'gemini') {
    return { ok: false, error: `envelope.cli: expected claude|codex|gemini, got ${JSON.stringify(cli)}` };
  }
  const parsed = parseHookPayload(cli, envelope.payload);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const p = parsed.value as Obj;

  if (cli === 'codex' && typeof p.hook_event_name !== 'string') {
    // Legacy notify payload (kebab-case).
    const type = s(p, 'type') ?? 'unknown';
    const base: DomainEventBase = {
      sessionId: s(p, 'thread-id') ?? '',
      cli,
      hookEvent: type,
      cwd: short(p, 'cwd'),
      transcriptPath: null,
      permissionMode: null,
      model: null,
      agentId: null,
      agentType: null,
      turnId: short(p, 'turn-id'),
    };
    if (base.sessionId === '' || base.sessionId.length > MAX_SESSION_ID)
      return { ok: false, error: 'payload.thread-id: expected a non-empty id of at most 512 characters' };
    const inputs = Array.isArray(p['input-messages']) ? (p['input-messages'] as string[]) : [];
    const body: DomainEventBody =
      type === 'agent-turn-complete'
        ? { kind: 'turn-end', lastMessage: s(p, 'last-assistant-message'), inputMessages: inputs }
        : { kind: 'other', detail: `notify ${type}`, resolvesInput: false };
    return { ok: true, events: [Object.assign(base, body) as DomainEvent] };
  }

  const event = s(p, 'hook_event_name') ?? 'unknown';
  const base: DomainEventBase = {
    sessionId: s(p, 'session_id') ?? '',
    cli,
    hookEvent: event,
    cwd: short(p, 'cwd'),
    transcriptPath: short(p, 'transcript_path') || null,
    permissionMode: short(p, 'permission_mode'),
    model: short(p, 'model'),
    agentId: short(p, 'agent_id'),
    agentType: short(p, 'agent_type'),
    turnId: short(p, 'prompt_id') ?? short(p, 'turn_id'),
  };
  if (base.sessionId === '' || base.sessionId.length > MAX_SESSION_ID) {
    return { ok: false, error: 'payload.session_id: expected a non-empty id of at most 512 characters' };
  }
  const body = cli === 'gemini' ? gemini(event, p) : claudeLike(cli, event, p);
  return { ok: true, events: [Object.assign(base, body) as DomainEvent] };
}
