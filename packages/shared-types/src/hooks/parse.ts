import { z } from 'zod';
import type { AgentCli } from '../domain.js';
import { type ClaudeHookPayload, claudeBaseSchema, claudeEventSchemas } from './claude.js';
import {
  type CodexHookPayload,
  codexBaseSchema,
  codexEventSchemas,
  codexNotifySchema,
  isCodexNotifyPayload,
} from './codex.js';
import { type HookParseResult, safeParse } from './common.js';
import { type GeminiHookPayload, geminiBaseSchema, geminiEventSchemas } from './gemini.js';

export type HookPayload = ClaudeHookPayload | CodexHookPayload | GeminiHookPayload;

const topLevel = z.record(z.string(), z.unknown());

function pick(
  schemas: Record<string, z.ZodType>,
  base: z.ZodType,
  payload: Record<string, unknown>,
): z.ZodType {
  const name = payload.hook_event_name;
  if (typeof name === 'string' && Object.hasOwn(schemas, name)) return schemas[name] as z.ZodType;
  // Unknown (future) event names validate against the common fields only.
  return base;
}

/**
 * Results by payload object: the server validates a payload at the edge and the core parses the same object again
 * (payloads are never mutated once received), so the second parse is a lookup.
 */
const parsed = new WeakMap<object, { cli: AgentCli; result: HookParseResult<HookPayload> }>();

/**
 * Validates a hook payload of `cli`. Unknown events are accepted as generic events (common fields only),
 * unknown extra fields are kept, missing newer fields are fine. On failure `error` names the field, e.g.
 * `payload.tool_name: expected string, got number`. Never throws. Treats `payload` as immutable: the result for
 * an object already parsed for the same `cli` is returned again.
 */
export function parseHookPayload(cli: 'claude', payload: unknown): HookParseResult<ClaudeHookPayload>;
export function parseHookPayload(cli: 'gemini', payload: unknown): HookParseResult<GeminiHookPayload>;
export function parseHookPayload(cli: 'codex', payload: unknown): HookParseResult<CodexHookPayload>;
export function parseHookPayload(cli: AgentCli, payload: unknown): HookParseResult<HookPayload>;
export function parseHookPayload(cli: AgentCli, payload: unknown): HookParseResult<HookPayload> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    const top = safeParse(topLevel, payload);
    return { ok: false, error: top.ok ? 'payload: expected object' : top.error };
  }
  const obj = payload as Record<string, unknown>;
  const seen = parsed.get(obj);
  if (seen !== undefined && seen.cli === cli) return seen.result;
  const result = parseObject(cli, obj);
  parsed.set(obj, { cli, result });
  return result;
}

function parseObject(cli: AgentCli, obj: Record<string, unknown>): HookParseResult<HookPayload> {
  switch (cli) {
    case 'claude':
      return safeParse(pick(claudeEventSchemas, claudeBaseSchema, obj), obj) as HookParseResult<HookPayload>;
    case 'gemini':
      return safeParse(pick(geminiEventSchemas, geminiBaseSchema, obj), obj) as HookParseResult<HookPayload>;
    case 'codex':
      if (isCodexNotifyPayload(obj)) return safeParse(codexNotifySchema, obj) as HookParseResult<HookPayload>;
      return safeParse(pick(codexEventSchemas, codexBaseSchema, obj), obj) as HookParseResult<HookPayload>;
    default:
      return { ok: false, error: `cli: unknown agent CLI ${JSON.stringify(cli)}` };
  }
}

function nonEmpty(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/**
 * The event name of a raw hook payload: `hook_event_name` (Claude Code, Gemini CLI, Codex hooks), else Codex
 * notify's `type`, else `event`; null when none is a non-empty string (or `payload` is not an object). The one
 * place that knows where a payload keeps its event name (hook statistics, `hook_events.event_type`, messages).
 */
export function hookEventName(payload: unknown): string | null {
  if (payload === null || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  return nonEmpty(p.hook_event_name) ?? nonEmpty(p.type) ?? nonEmpty(p.event);
}
