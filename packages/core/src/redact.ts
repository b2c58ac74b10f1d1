/**
 * Secret redaction, pure: the rules are data (`redact-rules.ts` plus the ones the config adds), `compileRedactor`
 * turns a configuration into a `Redactor`, and the shell runs it over every accepted input before anything is
 * stored or broadcast. A secret becomes `[REDACTED:<rule id>]`; the text around it stays.
 *
 * ReDoS: a rule the configuration adds is held to a shape whose work is bounded at each position of the text
 * (`checkRulePattern`): every repetition bounded (`{n,m}` with m <= 1024, `?`; never `*`, `+` or `{n,}`), only
 * single characters or classes repeated (never a group, so no nested or overlapping repetition of one), no
 * backreference, and at most `MAX_RULE_PATHS` ways to try a match (the product of the repetitions' ranges and of
 * the alternatives). A checker such as redos-detector was tried and left: it took seconds to minutes on patterns
 * with ranges like {20,250} and refused most real key formats. The built-in rules are reviewed by hand and a test
 * runs each on adversarial text.
 */
import { BUILTIN_REDACTION_RULES, type RedactionRule } from './redact-rules.js';

export { BUILTIN_REDACTION_RULES, type RedactionRule } from './redact-rules.js';

/** `redaction` in config.json. */
export interface RedactionConfig {
  enabled: boolean;
  /** Ids of built-in rules not to apply. */
  disable: readonly string[];
  /** Rules of one's own: an id (`[REDACTED:<id>]`) and a pattern (a group named `secret`: only it is replaced). */
  extra: ReadonlyArray<{ id: string; pattern: string; caseInsensitive?: boolean | undefined }>;
}

export const DEFAULT_REDACTION_CONFIG: RedactionConfig = { enabled: true, disable: [], extra: [] };

export const MAX_RULE_PATTERN = 512;
export const MAX_EXTRA_RULES = 50;
/** Largest upper bound of a repetition in a rule of the config. */
export const MAX_REPEAT = 1024;
/** Most ways a rule of the config may try to match at one position. */
export const MAX_RULE_PATHS = 10_000;
export const RULE_ID_RE = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** Deeper than this (the edge allows 100 levels) a value is not walked. */
const MAX_DEPTH = 128;

export const BUILTIN_RULE_IDS: readonly string[] = [...new Set(BUILTIN_REDACTION_RULES.map((r) => r.id))];

/** Index just past the character class opening at `i` (`[`), or -1 when it does not close. */
function classEnd(p: string, i: number): number {
  for (let j = i + 1; j < p.length; j++) {
    if (p[j] === '\\') j++;
    else if (p[j] === ']') return j + 1;
  }
  return -1;
}

/**
 * Why the shape of a pattern is refused (unbounded or nested repetition, a backreference, too many ways to
 * match), or null. A scan of the source, not a parser: whatever it cannot classify is refused by `new RegExp`.
 */
function shapeProblem(p: string): string | null {
  let paths = 1;
  let alternatives = 1;
  /** What the last token was: a repeatable atom, a closed group, a repetition, or nothing repeatable. */
  let prev: 'atom' | 'group' | 'quant' | 'none' = 'none';
  for (let i = 0; i < p.length; ) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not allowed';
      i += 2;
      prev = 'atom';
    } else if (c === '[') {
      const end = classEnd(p, i);
      if (end < 0) return 'a character class does not close';
      i = end;
      prev = 'atom';
    } else if (c === '(') {
      const m = /^\((?:\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>))?/.exec(p.slice(i, i + 40));
      i += m ? m[0].length : 1;
      prev = 'none';
    } else if (c === ')') {
      i++;
      prev = 'group';
    } else if (c === '|') {
      alternatives++;
      i++;
      prev = 'none';
    } else if (c === '*' || c === '+') {
      return `unbounded repetition "${c}": use {n,m} with m <= ${MAX_REPEAT}`;
    } else if (c === '?' || c === '{') {
      const m = c === '?' ? null : /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(p.slice(i, i + 16));
      if (c === '{' && !m) {
        // A literal brace (the pattern compiles without the u flag).
        i++;
        prev = 'atom';
        continue;
      }
      if (c === '?' && prev === 'quant') {
        i++; // lazy marker
        prev = 'none';
        continue;
      }
      const min = m ? Number(m[1]) : 0;
      const max = m ? (m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3])) : 1;
      if (max === Number.POSITIVE_INFINITY)
        return `unbounded repetition "${m?.[0]}": use {n,m} with m <= ${MAX_REPEAT}`;
      if (max > MAX_REPEAT) return `repetition "${m?.[0]}" above ${MAX_REPEAT}`;
      if (prev === 'group' && max > 1) return 'a repeated group: repeat single characters or classes only';
      if (prev !== 'atom' && prev !== 'group') return 'a repetition of nothing';
      paths *= max - min + 1;
      if (paths > MAX_RULE_PATHS) break;
      i += m ? m[0].length : 1;
      prev = 'quant';
    } else {
      i++;
      prev = 'atom';
    }
  }
  const total = paths * alternatives;
  if (total > MAX_RULE_PATHS)
    return `too many ways to match at one position (over ${MAX_RULE_PATHS}): narrow the repetitions`;
  return null;
}

/**
 * Why a rule's pattern is refused, or null when it may be used: its length, its shape (see the module's
 * comment: this is the ReDoS guard), its syntax, and that it cannot match the empty string.
 */
export function checkRulePattern(pattern: unknown, caseInsensitive = false): string | null {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'must be a non-empty string';
  if (pattern.length > MAX_RULE_PATTERN) return `must be at most ${MAX_RULE_PATTERN} characters`;
  let re: RegExp;
  try {
    re = new RegExp(pattern, caseInsensitive ? 'gdi' : 'gd');
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
  const shape = shapeProblem(pattern);
  if (shape) return shape;
  if (re.test('')) return 'matches the empty string';
  return null;
}

interface CompiledRule {
  id: string;
  re: RegExp;
  mark: string;
  /** `RedactionRule.hints`; null: always scan. */
  hints: readonly string[] | null;
  /** The hints are looked for in the lower-cased text (an `i` rule). */
  lower: boolean;
}

export interface Redactor {
  /** Ids of the rules applied (built-in first, then the config's). */
  readonly ruleIds: readonly string[];
  /** `s` with every secret replaced (the same string when there was none). */
  text(s: string): string;
  /** `v` with every string inside it redacted; the same reference when nothing changed. Keys are kept. */
  value<T>(v: T): T;
}

/** The redactor that changes nothing (`enabled: false`). */
export const NO_REDACTION: Redactor = { ruleIds: [], text: (s) => s, value: (v) => v };

function compile(rule: RedactionRule | { id: string; pattern: string; flags?: string }): CompiledRule {
  const hints = 'hints' in rule && rule.hints && rule.hints.length > 0 ? rule.hints : null;
  return {
    id: rule.id,
    re: new RegExp(rule.pattern, `gd${rule.flags ?? ''}`),
    mark: `[REDACTED:${rule.id}]`,
    hints,
    lower: rule.flags === 'i',
  };
}

function applyRule(s: string, rule: CompiledRule): string {
  const { re } = rule;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let changed = false;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m[0].length === 0) {
      re.lastIndex += 1;
      continue;
    }
    const span = m.indices?.groups?.secret ?? m.indices?.[0];
    if (!span || span[1] <= span[0]) continue;
    out += s.slice(last, span[0]) + rule.mark;
    last = span[1];
    changed = true;
  }
  return changed ? out + s.slice(last) : s;
}

/** The shortest string a rule of ours can match is longer than this: shorter strings are not scanned. */
const SHORTEST_SECRET = 5;

function makeRedactor(rules: CompiledRule[]): Redactor {
  const text = (s: string): string => {
    if (s.length <= SHORTEST_SECRET) return s;
    let out = s;
    let lower: string | null = null;
    for (const rule of rules) {
      if (rule.hints) {
        if (rule.lower && lower === null) lower = out.toLowerCase();
        const hay = rule.lower ? (lower as string) : out;
        if (!rule.hints.some((h) => hay.includes(h))) continue;
      }
      const next = applyRule(out, rule);
      if (next !== out) {
        out = next;
        lower = null;
      }
    }
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return v;
    // Deeper than any input may be (the edge refuses more than 100 levels, the store what it cannot write): left
    // as it is, for those to refuse, rather than turned into something storable.
    if (depth >= MAX_DEPTH) return v;
    // Nothing is allocated until something changes (most inputs hold no secret): the copy starts at the first change.
    if (Array.isArray(v)) {
      let out: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const r = walk(v[i], depth + 1);
        if (r !== v[i] && out === null) out = v.slice(0, i);
        if (out !== null) out.push(r);
      }
      return out ?? v;
    }
    const keys = Object.keys(v);
    const src = v as Record<string, unknown>;
    let out: [string, unknown][] | null = null;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      const r = walk(src[k], depth + 1);
      if (r !== src[k] && out === null) out = keys.slice(0, i).map((key) => [key, src[key]]);
      if (out !== null) out.push([k, r]);
    }
    // fromEntries defines own properties: a "__proto__" key stays a key.
    return out === null ? v : Object.fromEntries(out);
  };
  return { ruleIds: rules.map((r) => r.id), text, value: <T>(v: T) => walk(v, 0) as T };
}

/**
 * The redactor a configuration describes, and what is wrong with it (each error names its field). A rule that is
 * refused is left out; the others apply. The config's edge validation (the server's zod schema) uses the same
 * checks, so a configuration with errors does not load.
 */
export function compileRedactor(config: RedactionConfig): { redactor: Redactor; errors: string[] } {
  const errors: string[] = [];
  if (!config.enabled) return { redactor: NO_REDACTION, errors };
  const disabled = new Set(config.disable);
  config.disable.forEach((id, i) => {
    if (!BUILTIN_RULE_IDS.includes(id))
      errors.push(`redaction.disable.${i}: unknown rule "${id}" (rules: ${BUILTIN_RULE_IDS.join(', ')})`);
  });
  const rules = BUILTIN_REDACTION_RULES.filter((r) => !disabled.has(r.id)).map(compile);
  if (config.extra.length > MAX_EXTRA_RULES) errors.push(`redaction.extra: at most ${MAX_EXTRA_RULES} rules`);
  config.extra.slice(0, MAX_EXTRA_RULES).forEach((rule, i) => {
    if (typeof rule.id !== 'string' || !RULE_ID_RE.test(rule.id)) {
      errors.push(
        `redaction.extra.${i}.id: lower-case letters, digits and - (at most 40), got ${JSON.stringify(rule.id)}`,
      );
      return;
    }
    const why = checkRulePattern(rule.pattern, rule.caseInsensitive === true);
    if (why) {
      errors.push(`redaction.extra.${i}.pattern: ${why}`);
      return;
    }
    rules.push(compile({ id: rule.id, pattern: rule.pattern, flags: rule.caseInsensitive ? 'i' : '' }));
  });
  return { redactor: makeRedactor(rules), errors };
}
