/**
 * A small JSON parser that keeps source positions, plus text-splice helpers.
 *
 * The installers never re-serialise a user's settings file: they parse it here, decide which
 * array elements / object members to add, replace or remove, and splice only those byte ranges.
 * Everything else (key order, number spellings like `1e3`, `\/` escapes, unicode, indentation,
 * CRLF, a missing trailing newline, comments in Gemini's JSONC) stays byte-identical.
 *
 * Why not `jsonc-parser` (VS Code's `modify` + `applyEdits`): measured with 3.3.1 on our cases, with formatting
 * options it reformats the user's lines around an edit (a one-line object or array next to the change becomes
 * multi-line), without them its inserts mix styles (`"hooks": {"S":[1]}`), and removing the last element of an
 * array corrupts or reshapes it (`[1, 2, 3]` → `[1, 23]`; `…},\n      {…}\n    ]` → `…} ]`). Install then
 * uninstall must give back the original bytes (test/install*.test.ts), so the splices are computed here. Its
 * parser alone refuses a leading BOM, words errors less precisely and overflows the stack on deep nesting (see the
 * package README).
 */

import { escapeControls } from './terminal.js';

export type JsonNode = JsonObjectNode | JsonArrayNode | JsonScalarNode;

export interface JsonObjectNode {
  kind: 'object';
  start: number;
  end: number;
  props: JsonProp[];
}

export interface JsonArrayNode {
  kind: 'array';
  start: number;
  end: number;
  items: JsonNode[];
}

export interface JsonScalarNode {
  kind: 'string' | 'number' | 'boolean' | 'null';
  start: number;
  end: number;
  value: string | number | boolean | null;
}

export interface JsonProp {
  key: string;
  keyStart: number;
  keyEnd: number;
  value: JsonNode;
}

export class JsonSyntaxError extends Error {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  constructor(reason: string, offset: number, line: number, column: number) {
    super(`${reason} at line ${line}, column ${column} (offset ${offset})`);
    this.name = 'JsonSyntaxError';
    this.reason = reason;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

export interface ParseOptions {
  /** Accept `//` and `/* *\/` comments as whitespace (Gemini settings are JSONC). */
  allowComments?: boolean;
}

/** Parse `text` (strict JSON, optionally with comments) into a positioned tree. Throws JsonSyntaxError. */
export function parseJsonText(text: string, options: ParseOptions = {}): JsonNode {
  const allowComments = options.allowComments === true;
  let pos = 0;

  const fail = (reason: string, at: number = pos): never => {
    let line = 1;
    let col = 1;
    for (let i = 0; i < at && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    throw new JsonSyntaxError(reason, at, line, col);
  };

  const describe = (at: number): string =>
    at >= text.length
      ? 'unexpected end of input'
      : `unexpected character "${escapeControls(String.fromCodePoint(text.codePointAt(at)!))}"`;

  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      // space, tab, LF, CR, and a leading UTF-8 BOM
      if (c === 32 || c === 9 || c === 10 || c === 13 || (c === 0xfeff && pos === 0)) {
        pos++;
      } else if (allowComments && c === 47 && text.charCodeAt(pos + 1) === 47) {
        while (pos < text.length && text.charCodeAt(pos) !== 10) pos++;
      } else if (allowComments && c === 47 && text.charCodeAt(pos + 1) === 42) {
        const close = text.indexOf('*/', pos + 2);
        if (close < 0) fail('unterminated comment');
        pos = close + 2;
      } else {
        return;
      }
    }
  };

  const parseString = (): { value: string; start: number; end: number } => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    while (true) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 34) {
        pos++;
        return { value: out, start, end: pos };
      }
      if (c < 0x20) fail('control character in string');
      if (c === 92) {
        const e = text[pos + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(pos + 2, pos + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape', pos);
            out += String.fromCharCode(Number.parseInt(hex, 16));
            pos += 4;
            break;
          }
          default:
            fail('invalid escape sequence', pos);
        }
        pos += 2;
        continue;
      }
      out += text[pos];
      pos++;
    }
  };

  const parseValue = (depth: number): JsonNode => {
    if (depth > 512) fail('nesting too deep');
    skipWs();
    const start = pos;
    const c = text[pos];
    if (c === '{') {
      pos++;
      const props: JsonProp[] = [];
      skipWs();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', start, end: pos, props };
      }
      while (true) {
        skipWs();
        if (text[pos] !== '"')
          fail(text[pos] === '}' ? 'trailing comma in object' : `expected a string key (${describe(pos)})`);
        const k = parseString();
        skipWs();
        if (text[pos] !== ':') fail(`expected ':' (${describe(pos)})`);
        pos++;
        const value = parseValue(depth + 1);
        props.push({ key: k.value, keyStart: k.start, keyEnd: k.end, value });
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', start, end: pos, props };
        }
        fail(`expected ',' or '}' (${describe(pos)})`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skipWs();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', start, end: pos, items };
      }
      while (true) {
        skipWs();
        if (text[pos] === ']') fail('trailing comma in array');
        items.push(parseValue(depth + 1));
        skipWs();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'array', start, end: pos, items };
        }
        fail(`expected ',' or ']' (${describe(pos)})`);
      }
    }
    if (c === '"') {
      const s = parseString();
      return { kind: 'string', start: s.start, end: s.end, value: s.value };
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400));
    if (m && m[0].length > 0 && (c === '-' || (c !== undefined && c >= '0' && c <= '9'))) {
      pos += m[0].length;
      return { kind: 'number', start, end: pos, value: Number(m[0]) };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { kind: word === 'null' ? 'null' : 'boolean', start, end: pos, value };
      }
    }
    return fail(describe(pos));
  };

  const root = parseValue(0);
  skipWs();
  if (pos < text.length) fail(`unexpected content after the top-level value (${describe(pos)})`);
  return root;
}

/** The plain JS value of a node (duplicate keys: last wins, like JSON.parse). */
export function nodeValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const p of node.props) {
        Object.defineProperty(out, p.key, {
          value: nodeValue(p.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    case 'array':
      return node.items.map(nodeValue);
    default:
      return node.value;
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  const bk = Object.keys(bo);
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && deepEqual(ao[k], bo[k]));
}

// ---------------------------------------------------------------------------------------------
// Formatting and splicing

export interface Splice {
  start: number;
  end: number;
  text: string;
}

export function applySplices(text: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Number.POSITIVE_INFINITY;
  for (const s of sorted) {
    if (s.end > limit) throw new Error('internal error: overlapping edits');
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
    limit = s.start;
  }
  return out;
}

/** File-wide formatting conventions detected from the original text. */
export interface TextStyle {
  eol: string;
  indentUnit: string;
  multiline: boolean;
}

export function lineIndentAt(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(lineStart, pos));
  return m ? m[0] : '';
}

function startsOwnLine(text: string, pos: number): boolean {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*$/.test(text.slice(lineStart, pos));
}

export function detectStyle(text: string, root: JsonNode | null): TextStyle {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const multiline = root === null ? true : text.slice(root.start, root.end).includes('\n');
  let indentUnit = '  ';
  // The indentation of the first member of the first multi-line container is one indent unit deeper
  // than the container's own line.
  const find = (node: JsonNode): string | null => {
    const children =
      node.kind === 'object'
        ? node.props.map((p) => p.keyStart)
        : node.kind === 'array'
          ? node.items.map((i) => i.start)
          : [];
    const first = children[0];
    if (first !== undefined && startsOwnLine(text, first)) {
      const outer = lineIndentAt(text, node.start);
      const inner = lineIndentAt(text, first);
      if (inner.startsWith(outer) && inner.length > outer.length) return inner.slice(outer.length);
    }
    const kids =
      node.kind === 'object' ? node.props.map((p) => p.value) : node.kind === 'array' ? node.items : [];
    for (const k of kids) {
      const r = find(k);
      if (r) return r;
    }
    return null;
  };
  if (root) indentUnit = find(root) ?? indentUnit;
  return { eol, indentUnit, multiline };
}

/** Serialise a value for insertion at a given indentation, in the file's style. */
export function formatValue(value: unknown, style: TextStyle, indent: string, multiline: boolean): string {
  if (!multiline) return JSON.stringify(value);
  return JSON.stringify(value, null, style.indentUnit)
    .split('\n')
    .join(style.eol + indent);
}

export type ChildAction =
  | { kind: 'keep' }
  | { kind: 'remove' }
  | { kind: 'replace'; value: unknown }
  | { kind: 'edit'; splices: Splice[] };

export interface Append {
  /** Object member key (objects only). */
  key?: string;
  value: unknown;
}

interface ContainerLayout {
  multiline: boolean;
  childIndent: string;
  closeIndent: string;
  compactSep: string;
  colon: string;
}

function layoutOf(text: string, node: JsonObjectNode | JsonArrayNode, style: TextStyle): ContainerLayout {
  const starts = node.kind === 'object' ? node.props.map((p) => p.keyStart) : node.items.map((i) => i.start);
  const ends = node.kind === 'object' ? node.props.map((p) => p.value.end) : node.items.map((i) => i.end);
  const base = lineIndentAt(text, node.start);
  let colon = style.multiline ? ': ' : ':';
  const firstProp = node.kind === 'object' ? node.props[0] : undefined;
  if (firstProp) {
    const between = text.slice(firstProp.keyEnd, firstProp.value.start);
    if (/^[ \t]*:[ \t]*$/.test(between)) colon = between;
  }
  const first = starts[0];
  if (first === undefined) {
    return {
      multiline: style.multiline,
      childIndent: base + style.indentUnit,
      closeIndent: base,
      compactSep: style.multiline ? ', ' : ',',
      colon,
    };
  }
  const multiline = text.slice(node.start, first).includes('\n');
  const s1 = starts[1];
  const e0 = ends[0];
  const sepText = s1 !== undefined && e0 !== undefined ? text.slice(e0, s1) : '';
  const compactSep = /^[ \t]*,[ \t]*$/.test(sepText) ? sepText : style.multiline ? ', ' : ',';
  return {
    multiline,
    childIndent: multiline ? lineIndentAt(text, first) : base + style.indentUnit,
    closeIndent: lineIndentAt(text, node.end - 1),
    compactSep,
    colon,
  };
}

function appendText(
  node: JsonObjectNode | JsonArrayNode,
  appends: readonly Append[],
  layout: ContainerLayout,
  style: TextStyle,
): string[] {
  return appends.map((a) => {
    const v = formatValue(a.value, style, layout.childIndent, layout.multiline);
    return node.kind === 'object' ? `${JSON.stringify(a.key ?? '')}${layout.colon}${v}` : v;
  });
}

/**
 * Compute the splices that apply per-child actions and appends to one object/array node, keeping
 * every byte of untouched children (and their separators) as it was. Removing a trailing run of
 * children is the exact inverse of appending them, so install + uninstall round-trips byte-for-byte.
 */
export function editContainer(
  text: string,
  node: JsonObjectNode | JsonArrayNode,
  actions: readonly ChildAction[],
  appends: readonly Append[],
  style: TextStyle,
): Splice[] {
  const ranges =
    node.kind === 'object'
      ? node.props.map((p) => ({ start: p.keyStart, end: p.value.end, valueStart: p.value.start }))
      : node.items.map((i) => ({ start: i.start, end: i.end, valueStart: i.start }));
  const n = ranges.length;
  const layout = layoutOf(text, node, style);
  const open = node.kind === 'object' ? '{' : '[';
  const close = node.kind === 'object' ? '}' : ']';
  const kept: number[] = [];
  for (let i = 0; i < n; i++) if ((actions[i] ?? { kind: 'keep' }).kind !== 'remove') kept.push(i);

  if (kept.length === 0) {
    if (appends.length === 0) {
      return n === 0 ? [] : [{ start: node.start, end: node.end, text: open + close }];
    }
    const parts = appendText(node, appends, layout, style);
    const body = layout.multiline
      ? style.eol +
        parts.map((p) => layout.childIndent + p).join(`,${style.eol}`) +
        style.eol +
        layout.closeIndent
      : parts.join(layout.compactSep);
    return [{ start: node.start, end: node.end, text: open + body + close }];
  }

  const splices: Splice[] = [];
  for (const i of kept) {
    const a = actions[i];
    const r = ranges[i];
    if (!a || !r) continue;
    if (a.kind === 'replace') {
      const indent = layout.multiline ? lineIndentAt(text, r.start) : '';
      splices.push({
        start: r.valueStart,
        end: r.end,
        text: formatValue(a.value, style, indent, layout.multiline),
      });
    } else if (a.kind === 'edit') {
      splices.push(...a.splices);
    }
  }

  let trailingRemoval: { start: number; end: number } | null = null;
  let i = 0;
  while (i < n) {
    if ((actions[i] ?? { kind: 'keep' }).kind !== 'remove') {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < n && (actions[j + 1] ?? { kind: 'keep' }).kind === 'remove') j++;
    const next = ranges[j + 1];
    if (next) {
      splices.push({ start: ranges[i]!.start, end: next.start, text: '' });
    } else {
      trailingRemoval = { start: ranges[i - 1]!.end, end: ranges[j]!.end };
    }
    i = j + 1;
  }

  const lastKept = ranges[kept[kept.length - 1]!]!;
  const parts = appendText(node, appends, layout, style);
  const insertion = parts
    .map((p) => (layout.multiline ? `,${style.eol}${layout.childIndent}${p}` : layout.compactSep + p))
    .join('');
  if (trailingRemoval) {
    splices.push({ start: trailingRemoval.start, end: trailingRemoval.end, text: insertion });
  } else if (insertion) {
    splices.push({ start: lastKept.end, end: lastKept.end, text: insertion });
  }
  return splices;
}
