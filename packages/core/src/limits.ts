/** Bounds that keep the state small whatever the agents send. */
export const LIMITS = {
  promptHistory: 50,
  toolLog: 200,
  responseLog: 50,
  events: 50,
  /** Status changes kept in a session's status timeline. */
  statusHistory: 50,
  /** Lineage links kept per session. */
  lineage: 20,
  /** Per string field of stored tool inputs. */
  stringField: 4096,
  /** Response / result excerpts. */
  excerpt: 2000,
  /** Prompt text kept per prompt. */
  prompt: 10_000,
  title: 80,
  userTitle: 500,
  label: 200,
  color: 64,
  summary: 200,
  /** Deep-truncation bounds for stored tool inputs. */
  maxDepth: 6,
  maxArray: 100,
  maxKeys: 100,
} as const;

/** Cuts `s` to `max` characters, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** One-line, whitespace-collapsed, clipped text. */
export function oneLine(s: string, max: number): string {
  const collapsed = s.length > max * 4 ? s.slice(0, max * 4) : s;
  return clip(collapsed.replace(/\s+/g, ' ').trim(), max);
}

/**
 * Copy of `value` with every string clipped to `LIMITS.stringField`, arrays/objects bounded and depth limited,
 * so a 1 MB payload cannot bloat the state. Returns the same reference when nothing needed cutting.
 */
export function truncateDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value.length > LIMITS.stringField ? clip(value, LIMITS.stringField) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= LIMITS.maxDepth) return '[…]';
  if (Array.isArray(value)) {
    let changed = value.length > LIMITS.maxArray;
    const src = changed ? value.slice(0, LIMITS.maxArray) : value;
    const out = src.map((v) => {
      const t = truncateDeep(v, depth + 1);
      if (t !== v) changed = true;
      return t;
    });
    if (value.length > LIMITS.maxArray) out.push(`[… ${value.length - LIMITS.maxArray} more]`);
    return changed ? out : value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  let changed = entries.length > LIMITS.maxKeys;
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, LIMITS.maxKeys)) {
    const t = truncateDeep(v, depth + 1);
    if (t !== v) changed = true;
    // defineProperty: a key named `__proto__` stays a plain key (an assignment would set the prototype).
    Object.defineProperty(out, k, { value: t, writable: true, enumerable: true, configurable: true });
  }
  return changed ? out : value;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** Text excerpt (≤ 2000 chars) of a tool response or any JSON value. */
export function excerpt(value: unknown, max: number = LIMITS.excerpt): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return clip(value, max);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const out = str(o.stdout);
    const err = str(o.stderr);
    if (out !== null || err !== null) return clip([out, err].filter((x) => x !== null).join('\n'), max);
    const file = o.file && typeof o.file === 'object' ? (o.file as Record<string, unknown>) : {};
    const text = str(o.llmContent) ?? str(o.content) ?? str(o.text) ?? str(file.content);
    if (text !== null) return clip(text, max);
  }
  if (Array.isArray(value)) {
    const texts = value
      .map((v) => (v && typeof v === 'object' ? str((v as Record<string, unknown>).text) : null))
      .filter((x): x is string => x !== null);
    if (texts.length > 0) return clip(texts.join('\n'), max);
  }
  try {
    return clip(JSON.stringify(truncateDeep(value)), max);
  } catch {
    return null;
  }
}

/** One-line summary of a tool input: the command, path, pattern, URL, query or description. */
export function summarizeInput(tool: string, input: unknown): string {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return typeof input === 'string' ? oneLine(input, LIMITS.summary) : '';
  }
  const o = input as Record<string, unknown>;
  const preferred: Record<string, string[]> = {
    Bash: ['command', 'description'],
    PowerShell: ['command', 'description'],
    Write: ['file_path'],
    Edit: ['file_path'],
    MultiEdit: ['file_path'],
    Read: ['file_path'],
    NotebookEdit: ['notebook_path', 'file_path'],
    Grep: ['pattern'],
    Glob: ['pattern'],
    WebFetch: ['url'],
    WebSearch: ['query'],
    Agent: ['description', 'prompt'],
    Task: ['description', 'prompt'],
    AskUserQuestion: ['question'],
  };
  const keys = [
    ...(Object.hasOwn(preferred, tool) ? (preferred[tool] ?? []) : []),
    'command',
    'file_path',
    'path',
    'pattern',
    'url',
    'query',
    'description',
    'prompt',
  ];
  for (const k of keys) {
    const v = str(o[k]);
    if (v !== null) return oneLine(v, LIMITS.summary);
  }
  if (Array.isArray(o.questions) && o.questions.length > 0) {
    const q = o.questions[0];
    if (q && typeof q === 'object') {
      const text = str((q as Record<string, unknown>).question);
      if (text !== null) return oneLine(text, LIMITS.summary);
    }
  }
  for (const v of Object.values(o)) {
    const s = str(v);
    if (s !== null) return oneLine(s, LIMITS.summary);
  }
  return '';
}

/**
 * Appends to a bounded ring buffer (new array; the oldest entries drop out). The new array is allocated at its
 * exact length: `slice()` then `push()` would grow the copy's backing store by half again, and a ring lives as
 * long as its session version, so its bytes are what every young collection copies.
 */
export function pushRing<T>(arr: readonly T[], item: T, max: number): T[] {
  const start = arr.length >= max ? arr.length - max + 1 : 0;
  const n = Math.max(0, arr.length - start);
  const out = new Array<T>(n + 1);
  for (let i = 0; i < n; i++) out[i] = arr[start + i] as T;
  out[n] = item;
  return out;
}

/** Last path segment of a directory (`/a/b/c/` → `c`). */
export function lastSegment(path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '');
  return parts[parts.length - 1] ?? path;
}

/** True when `a` and `b` are the same directory or one contains the other. */
export function pathsRelated(a: string, b: string): boolean {
  const na = a.replace(/[\\/]+$/, '');
  const nb = b.replace(/[\\/]+$/, '');
  if (na === nb) return true;
  return nb.startsWith(`${na}/`) || na.startsWith(`${nb}/`);
}
