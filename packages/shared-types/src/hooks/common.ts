import { z } from 'zod';

/**
 * Building blocks shared by the hook payload schemas.
 *
 * Tolerance rules (agent-hooks-reference §1.7): every field except `session_id` and `hook_event_name`
 * is optional, unknown extra fields are kept (`looseObject`), and enum-like fields are plain strings so a
 * value introduced by a newer CLI version does not reject the whole payload.
 */

/** A string-valued field that older CLI versions may omit. */
export const optStr = z.string().optional();
/** A string-or-null field. */
export const optNullableStr = z.string().nullable().optional();
export const optBool = z.boolean().optional();
export const optNum = z.number().optional();
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * A free-form JSON object (tool input, tool response, …), kept as it is: a record schema would copy it key by
 * key, and an input key named `__proto__` would vanish in the copy.
 */
export const jsonObject = z.custom<Record<string, unknown>>(
  (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  { error: (issue) => `expected object, got ${describe(issue.input)}` },
);

/** Result of `parseHookPayload`. */
export type HookParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'payload';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += `.${String(seg)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/**
 * Turns a zod error into one line naming the offending field, e.g.
 * `payload.tool_name: expected string, got number`.
 */
export function formatZodError(error: z.ZodError, input: unknown): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'invalid_type') {
      return `${where}: expected ${issue.expected === 'record' ? 'object' : issue.expected}, got ${describe(valueAt(input, issue.path))}`;
    }
    return `${where}: ${issue.message}`;
  });
  if (error.issues.length > 5) parts.push(`(+${error.issues.length - 5} more)`);
  return parts.join('; ');
}

/** Parses `payload` with `schema`, never throwing. */
export function safeParse<T>(schema: z.ZodType<T>, payload: unknown): HookParseResult<T> {
  const r = schema.safeParse(payload);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, error: formatZodError(r.error, payload) };
}
