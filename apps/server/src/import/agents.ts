/**
 * The history import of Codex rollouts and Gemini CLI chat files: each line becomes the lines the core's
 * `importLines` reads (Claude Code's shape: `{type: "user"|"assistant", message: {content, model}}` with `text`,
 * `tool_use` and `tool_result` blocks, plus `cwd` and `timestamp`), carrying the entries the live follower's parser
 * gives for it (assistant text, usage, interrupts, API errors). Pure: one mapper per file (a new one per file: it
 * remembers the model, the project, failed calls and what it already wrote).
 *
 * - Codex (0.171.0): prompts are the `item_completed` `UserMessage` items (the `response_item` user messages also
 *   hold the CLI's own context blocks); tool calls are `function_call` / `custom_tool_call` items, their results
 *   the `*_output` items, failed when the `item_completed` `CommandExecution` before them said so (the output
 *   carries no status); shell tools are named `Bash` with `{command}` as the hooks name them; the model is the
 *   latest `turn_context`'s, the project its `cwd` (or `session_meta`'s).
 * - Gemini CLI (0.61.0): `user` messages with text parts are prompts; a `gemini` message's text is the answer and its
 *   `toolCalls` (written when they completed: a message is written again with the same id) the tool calls with
 *   their results — a shell command failed when its output ends with a non-zero `Exit Code` (Gemini calls it a
 *   success). Each message id's text and each tool call id is written once.
 */
import { displayToolName, type ImportLine, shellFailure } from '@flightdeck/core';
import {
  createClaudeTranscriptObjectParser,
  createCodexRolloutObjectParser,
  parseGeminiChatObject,
  type TranscriptLineResult,
} from '@flightdeck/hook-ingest';
import type { AgentCli, TranscriptEntry } from '@flightdeck/shared-types';

type Json = Record<string, unknown>;

/** Maps one parsed line of a file to what the core's import reads. */
export type ImportLineMapper = (o: Json) => ImportLine[];

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
/** Ids a mapper remembers per file (tool calls, messages): beyond, the oldest are forgotten. */
const MAX_REMEMBERED = 4096;
/** A path or model name longer than this is not taken. */
const MAX_NAME = 4096;

function entriesOf(r: TranscriptLineResult): readonly TranscriptEntry[] {
  return r.verdict === 'entries' ? r.entries : [];
}

function remember(set: Set<string>, id: string): boolean {
  if (set.has(id)) return false;
  set.add(id);
  if (set.size > MAX_REMEMBERED) set.delete(set.values().next().value as string);
  return true;
}

function userText(at: unknown, cwd: string | null, text: string, promptId: string | null): Json {
  return { type: 'user', timestamp: at, cwd, promptId, message: { role: 'user', content: text } };
}

function toolUse(
  at: unknown,
  cwd: string | null,
  model: string | null,
  id: string,
  name: string,
  input: unknown,
) {
  return {
    type: 'assistant',
    timestamp: at,
    cwd,
    message: { role: 'assistant', model, content: [{ type: 'tool_use', id, name, input }] },
  };
}

function toolResult(at: unknown, cwd: string | null, id: string, text: string, failed: boolean): Json {
  return {
    type: 'user',
    timestamp: at,
    cwd,
    message: {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: id, content: text, is_error: failed }],
    },
  };
}

/** The JSON arguments of a function call, or the raw text under `input` when they are not a JSON object. */
function argsOf(raw: unknown): Json {
  if (typeof raw !== 'string') return isObj(raw) ? raw : {};
  try {
    const v = JSON.parse(raw) as unknown;
    return isObj(v) ? v : { input: raw };
  } catch {
    return { input: raw };
  }
}

const CODEX_SHELL_TOOLS = new Set(['exec_command', 'shell', 'shell_command', 'local_shell']);

/** A Codex tool call as the hooks name it: shell tools are `Bash` with `{command}`. */
function codexTool(name: string, args: Json): { name: string; input: unknown } {
  if (!CODEX_SHELL_TOOLS.has(name)) return { name, input: args };
  const cmd = args.cmd ?? args.command;
  const command = Array.isArray(cmd)
    ? cmd.filter((c): c is string => typeof c === 'string').join(' ')
    : (str(cmd) ?? '');
  // `["bash", "-lc", "<script>"]`: the script is what the model asked to run
  const m = /^(?:\/bin\/)?(?:ba|z)?sh -l?c (.*)$/s.exec(command);
  return { name: 'Bash', input: { command: m?.[1] ?? command } };
}

/** The text of content: a string, or parts of which the `text` ones count (joined by newlines). */
function textsOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c) => (isObj(c) && typeof c.text === 'string' ? c.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

/** The text of a Codex tool output (`output` a string, or `{content}` / content items). */
function codexOutput(p: Json): string {
  const out = p.output;
  return typeof out === 'string' ? out : textsOf(isObj(out) ? out.content : out);
}

export function createCodexImportMapper(): ImportLineMapper {
  const parse = createCodexRolloutObjectParser();
  let model: string | null = null;
  let cwd: string | null = null;
  /** Call id → why it failed (the `item_completed` before its output). */
  const failed = new Map<string, string>();
  return (o) => {
    const entries = entriesOf(parse(o));
    const p = isObj(o.payload) ? o.payload : {};
    const at = o.timestamp;
    if (o.type === 'session_meta' || o.type === 'turn_context') {
      const dir = str(p.cwd);
      if (dir !== null && dir.length <= MAX_NAME) cwd = dir;
      const m = str(p.model);
      if (o.type === 'turn_context' && m !== null && m.length <= MAX_NAME) model = m;
    }
    const out: ImportLine[] = [];
    for (const e of entries) {
      if (e.kind === 'tool-failed') {
        failed.set(e.toolUseId, e.error);
        if (failed.size > MAX_REMEMBERED) failed.delete(failed.keys().next().value as string);
      }
    }
    const base = { timestamp: at, cwd };
    if (
      o.type === 'event_msg' &&
      p.type === 'item_completed' &&
      isObj(p.item) &&
      p.item.type === 'UserMessage'
    ) {
      const text = textsOf(p.item.content).trim();
      if (text !== '') out.push({ obj: userText(at, cwd, text, str(p.item.id)), entries: [] });
    } else if (o.type === 'response_item' && (p.type === 'function_call' || p.type === 'custom_tool_call')) {
      const id = str(p.call_id);
      const name = str(p.name);
      if (id !== null && name !== null) {
        const t = codexTool(name, p.type === 'function_call' ? argsOf(p.arguments) : { input: p.input });
        out.push({ obj: toolUse(at, cwd, model, id, t.name, t.input), entries: [] });
      }
    } else if (
      o.type === 'response_item' &&
      (p.type === 'function_call_output' || p.type === 'custom_tool_call_output')
    ) {
      const id = str(p.call_id);
      if (id !== null) {
        const why = failed.get(id);
        out.push({ obj: toolResult(at, cwd, id, why ?? codexOutput(p), why !== undefined), entries: [] });
      }
    }
    // the line's own entries (assistant text, usage, errors) with its time and project
    out.push({ obj: base, entries });
    return out;
  };
}

/** A Gemini tool call's result: the text shown (`resultDisplay`), else the function response's output. */
function geminiResult(call: Json): { text: string; failed: boolean } {
  const first = Array.isArray(call.result) ? call.result[0] : undefined;
  const response =
    isObj(first) && isObj(first.functionResponse) ? first.functionResponse.response : undefined;
  const output = isObj(response) ? (str(response.output) ?? str(response.error) ?? '') : '';
  const shown = str(call.resultDisplay) ?? output;
  if (call.status === 'error' || call.status === 'cancelled')
    return { text: shown || String(call.status), failed: true };
  if (call.name === 'run_shell_command') {
    const why = shellFailure({ llmContent: output, returnDisplay: str(call.resultDisplay) });
    if (why !== null) return { text: why, failed: true };
  }
  return { text: shown, failed: false };
}

export function createGeminiImportMapper(): ImportLineMapper {
  const answered = new Set<string>();
  const calls = new Set<string>();
  return (o) => {
    const entries: TranscriptEntry[] = [...entriesOf(parseGeminiChatObject(o))];
    const at = o.timestamp;
    const id = str(o.id);
    const out: ImportLine[] = [];
    if (o.type === 'user' && id !== null) {
      const text = textsOf(o.content).trim();
      if (text !== '' && remember(answered, id)) out.push({ obj: userText(at, null, text, id), entries: [] });
    } else if (o.type === 'gemini' && id !== null) {
      const model = str(o.model);
      const text = textsOf(o.content).trim();
      if (text !== '' && remember(answered, id)) {
        entries.unshift({ kind: 'assistant-text', text, messageId: id, at: null, uuid: null, agentId: null });
      }
      for (const call of Array.isArray(o.toolCalls) ? o.toolCalls : []) {
        if (!isObj(call)) continue;
        const callId = str(call.id);
        const name = str(call.name);
        if (callId === null || name === null || !remember(calls, callId)) continue;
        const input = isObj(call.args) ? call.args : {};
        const when = str(call.timestamp) ?? at;
        out.push({
          obj: toolUse(at, null, model, callId, displayToolName('gemini', name), input),
          entries: [],
        });
        const r = geminiResult(call);
        out.push({ obj: toolResult(when, null, callId, r.text, r.failed), entries: [] });
      }
    }
    out.push({ obj: { timestamp: at }, entries });
    return out;
  };
}

/** The mapper for a file of `cli` (Claude Code's lines are the core's shape already). */
export function importMapperFor(cli: AgentCli): ImportLineMapper {
  if (cli === 'codex') return createCodexImportMapper();
  if (cli === 'gemini') return createGeminiImportMapper();
  const parse = createClaudeTranscriptObjectParser();
  return (o) => [{ obj: o, entries: entriesOf(parse(o)) }];
}
