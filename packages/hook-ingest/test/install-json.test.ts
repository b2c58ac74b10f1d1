import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../src/install/diff.js';
import {
  applySplices,
  detectStyle,
  editContainer,
  type JsonArrayNode,
  type JsonObjectNode,
  JsonSyntaxError,
  nodeValue,
  parseJsonText,
} from '../src/install/jsonText.js';
import { fixture } from './fixtures-install/helpers.js';

describe('position-keeping JSON parser', () => {
  it('agrees with JSON.parse on odd-but-valid JSON', () => {
    const text = fixture('claude-settings-busy.json.txt');
    expect(nodeValue(parseJsonText(text))).toEqual(JSON.parse(text));
  });

  it.each([
    ['{"a": 1,}', 'trailing comma in object', 1, 9],
    ['{\n  "a": [1, 2,]\n}', 'trailing comma in array', 2, 14],
    ['{\n  "a": 1\n  "b": 2\n}', "expected ',' or '}'", 3, 3],
    ["{'a': 1}", 'expected a string key', 1, 2],
    ['{"a": tru}', 'unexpected character "t"', 1, 7],
    ['{"a": "x\ny"}', 'control character in string', 1, 9],
    ['{"a": 1} x', 'unexpected content after the top-level value', 1, 10],
    ['{"a": 01}', "expected ',' or '}'", 1, 8],
    ['{"a": "\\x"}', 'invalid escape sequence', 1, 8],
    ['{"a": [1, 2', "expected ',' or ']'", 1, 12],
    ['// c\n{}', 'unexpected character "/"', 1, 1],
  ])('rejects %j with a position', (text, reason, line, column) => {
    let err: unknown;
    try {
      parseJsonText(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JsonSyntaxError);
    const e = err as JsonSyntaxError;
    expect(e.reason).toContain(reason);
    expect([e.line, e.column]).toEqual([line, column]);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('accepts comments only when asked (Gemini JSONC)', () => {
    const text = fixture('gemini-settings.jsonc.txt');
    expect(() => parseJsonText(text)).toThrow(JsonSyntaxError);
    const v = nodeValue(parseJsonText(text, { allowComments: true })) as Record<string, unknown>;
    expect(v.general).toEqual({ vimMode: true });
  });

  it('keeps __proto__ as a plain key', () => {
    const v = nodeValue(parseJsonText('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('container edits', () => {
  const arrayOf = (text: string): JsonArrayNode => {
    const root = parseJsonText(text) as JsonObjectNode;
    return root.props[0]!.value as JsonArrayNode;
  };

  it('appending then removing the trailing element restores the exact bytes', () => {
    const text = '{\n    "a": [\n        1,\n        2\n    ]\n}';
    const style = detectStyle(text, parseJsonText(text));
    expect(style.indentUnit).toBe('    ');
    const appended = applySplices(
      text,
      editContainer(text, arrayOf(text), [], [{ value: { x: [3] } }], style),
    );
    expect(appended).toBe(
      '{\n    "a": [\n        1,\n        2,\n        {\n            "x": [\n                3\n            ]\n        }\n    ]\n}',
    );
    const removed = applySplices(
      appended,
      editContainer(
        appended,
        arrayOf(appended),
        [{ kind: 'keep' }, { kind: 'keep' }, { kind: 'remove' }],
        [],
        style,
      ),
    );
    expect(removed).toBe(text);
  });

  it('removes middle and leading runs without touching neighbours', () => {
    const text = '{"a": [1, 2, 3, 4, 5]}';
    const style = detectStyle(text, parseJsonText(text));
    const out = applySplices(
      text,
      editContainer(
        text,
        arrayOf(text),
        [{ kind: 'remove' }, { kind: 'keep' }, { kind: 'remove' }, { kind: 'remove' }, { kind: 'keep' }],
        [],
        style,
      ),
    );
    expect(out).toBe('{"a": [2, 5]}');
  });

  it('uses tabs and CRLF when the file does', () => {
    const text = '{\r\n\t"a": []\r\n}\r\n';
    const style = detectStyle(text, parseJsonText(text));
    expect(style).toMatchObject({ eol: '\r\n', indentUnit: '\t' });
    const out = applySplices(text, editContainer(text, arrayOf(text), [], [{ value: { b: 1 } }], style));
    expect(out).toBe('{\r\n\t"a": [\r\n\t\t{\r\n\t\t\t"b": 1\r\n\t\t}\r\n\t]\r\n}\r\n');
  });

  it('stays compact in a minified file', () => {
    const text = '{"a":[{"x":1}]}';
    const style = detectStyle(text, parseJsonText(text));
    const out = applySplices(text, editContainer(text, arrayOf(text), [], [{ value: { y: 2 } }], style));
    expect(out).toBe('{"a":[{"x":1},{"y":2}]}');
  });
});

describe('unifiedDiff', () => {
  it('produces a patch with hunks and context', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const b = a.replace('5\n', '5\nfive\n');
    const d = unifiedDiff(a, b, 'a/x', 'b/x');
    expect(d).toBe('--- a/x\n+++ b/x\n@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+five\n 6\n 7\n 8\n');
    expect(unifiedDiff(a, a, 'a', 'b')).toBe('');
  });
});
