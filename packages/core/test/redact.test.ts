import { describe, expect, it } from 'vitest';
import {
  BUILTIN_REDACTION_RULES,
  BUILTIN_RULE_IDS,
  checkRulePattern,
  compileRedactor,
  DEFAULT_REDACTION_CONFIG,
  MAX_RULE_PATHS,
} from '../src/redact.js';
import { lookAlikes, secretCorpus } from './redact-corpus.js';

const { redactor } = compileRedactor(DEFAULT_REDACTION_CONFIG);

describe('redaction corpus', () => {
  const corpus = secretCorpus();

  it('covers every built-in rule', () => {
    expect(new Set(corpus.map((c) => c.rule))).toEqual(new Set(BUILTIN_RULE_IDS));
  });

  it.each(corpus.map((c) => [c.rule, c] as const))(
    '%s: the secret is replaced, the rest is kept',
    (rule, c) => {
      const out = redactor.text(c.text);
      expect(out).toBe(c.text.replace(c.secret, `[REDACTED:${rule}]`));
      expect(out).not.toContain(c.secret);
    },
  );

  it('no look-alike changes (git SHAs, UUIDs, base64 images, sk- words, TOKEN_COUNT=5, hashes, integrity…)', () => {
    for (const text of lookAlikes()) expect(redactor.text(text)).toBe(text);
  });

  it('all secrets in one text, and a text redacted twice is redacted once', () => {
    const all = corpus.map((c) => c.text).join('\n--\n');
    const once = redactor.text(all);
    for (const c of corpus) expect(once).not.toContain(c.secret);
    expect(redactor.text(once)).toBe(once);
  });

  it('walks every string of a value, keeps its keys and shares what did not change', () => {
    const c = corpus[0]!;
    const untouched = { list: [1, 'plain', { deep: 'text' }], n: null };
    const payload = JSON.parse(
      JSON.stringify({
        tool_input: { command: c.text, args: ['--x', c.text] },
        untouched,
        ['__proto__']: { text: c.text },
      }),
    );
    const out = redactor.value(payload);
    expect(JSON.stringify(out)).not.toContain(c.secret);
    expect(out.tool_input.args[1]).toContain(`[REDACTED:${c.rule}]`);
    expect(Object.keys(out)).toEqual(['tool_input', 'untouched', '__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.untouched).toBe(payload.untouched);
    const clean = { a: ['x', { b: 'y' }] };
    expect(redactor.value(clean)).toBe(clean);
  });
});

describe('redaction config', () => {
  const ghp = secretCorpus().find((c) => c.rule === 'github-token')!;

  it('enabled: false changes nothing', () => {
    const { redactor: off, errors } = compileRedactor({ enabled: false, disable: [], extra: [] });
    expect(errors).toEqual([]);
    expect(off.text(ghp.text)).toBe(ghp.text);
  });

  it('disable drops a built-in rule, and an unknown rule id is an error naming the field', () => {
    const { redactor: r, errors } = compileRedactor({ enabled: true, disable: ['github-token'], extra: [] });
    expect(errors).toEqual([]);
    expect(r.text(ghp.text)).toBe(ghp.text);
    const bad = compileRedactor({ enabled: true, disable: ['github'], extra: [] });
    expect(bad.errors).toEqual([expect.stringMatching(/^redaction\.disable\.0: unknown rule "github"/)]);
  });

  it('extra rules apply (a group named secret: only it is replaced); a bad one is left out with its error', () => {
    const { redactor: r, errors } = compileRedactor({
      enabled: true,
      disable: [],
      extra: [
        { id: 'corp-key', pattern: 'corp_[a-z0-9]{32}' },
        { id: 'pin', pattern: 'PIN (?<secret>[0-9]{4,8})', caseInsensitive: true },
        { id: 'Bad Id', pattern: 'x{2}' },
        { id: 'greedy', pattern: '(a+)+$' },
        { id: 'broken', pattern: '([a-z' },
      ],
    });
    expect(errors).toEqual([
      expect.stringMatching(/^redaction\.extra\.2\.id: /),
      expect.stringMatching(/^redaction\.extra\.3\.pattern: unbounded repetition/),
      expect.stringMatching(/^redaction\.extra\.4\.pattern: not a valid regular expression/),
    ]);
    expect(r.text(`use corp_${'a1'.repeat(16)} now, pin 123456 ok`)).toBe(
      'use [REDACTED:corp-key] now, pin [REDACTED:pin] ok',
    );
  });
});

describe('ReDoS guard (checkRulePattern)', () => {
  it.each([
    ['(a+)+$', /unbounded repetition/],
    ['\\w+x', /unbounded repetition/],
    ['(a|aa)*b', /unbounded repetition/],
    ['x{2,}', /unbounded repetition/],
    ['(a|a){1,30}b', /repeated group/],
    ['(?:[a-z]{1,8}-){1,8}', /repeated group/],
    ['x[a-z]{0,100}[a-z]{0,100}[a-z]{0,100}y', /too many ways/],
    ['a{1,5000}', /above 1024/],
    ['(a)\\1', /backreferences/],
    ['(?<k>a)\\k<k>', /backreferences/],
    ['a{0,3}', /empty string/],
    ['[a-z', /not a valid regular expression/],
    ['x'.repeat(600), /at most 512/],
  ])('refuses %s', (pattern, why) => {
    expect(checkRulePattern(pattern)).toMatch(why);
  });

  it.each([
    'corp_[a-z0-9]{32}',
    'PIN (?<secret>[0-9]{4,8})',
    '(?:foo|bar)-[A-Z]{8,40}',
    '\\{[a-z]{3}\\}',
    '[+*]{1,3}x',
  ])('accepts %s', (pattern) => {
    expect(checkRulePattern(pattern)).toBeNull();
  });

  it('an accepted rule at the limit, and every built-in rule, stay linear on adversarial text', () => {
    // At the budget: the most backtracking a config rule may have, on text that nearly matches everywhere.
    const widest = `x[a-z]{0,99}[a-z]{0,${Math.floor(MAX_RULE_PATHS / 100) - 1}}y`;
    expect(checkRulePattern(widest)).toBeNull();
    const { redactor: r } = compileRedactor({
      enabled: true,
      disable: [],
      extra: [{ id: 'w', pattern: widest }],
    });
    const inputs = [
      `x${'a'.repeat(20_000)}`,
      'sk-ant-api03-'.repeat(5_000),
      `sk-ant-api03-${'A'.repeat(100_000)}`,
      `ghp_${'a'.repeat(100_000)}`,
      'PASSWORD_'.repeat(10_000),
      'a_'.repeat(50_000),
      '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(200) + 'A'.repeat(20_000),
      'https://u:'.repeat(10_000),
      `Authorization: Bearer ${'a'.repeat(100_000)}`,
      'AKIA'.repeat(25_000),
    ];
    const t0 = performance.now();
    for (const text of inputs) r.text(text);
    // A catastrophic pattern takes minutes to hours here; linear scanning takes well under a second.
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('the built-in rules are the documented set', () => {
    expect(BUILTIN_RULE_IDS).toEqual([
      'private-key',
      'anthropic-key',
      'openai-key',
      'github-token',
      'gitlab-token',
      'aws-access-key',
      'aws-secret-key',
      'google-api-key',
      'slack-token',
      'stripe-key',
      'npm-token',
      'bearer-token',
      'url-credentials',
      'env-assignment',
    ]);
    for (const rule of BUILTIN_REDACTION_RULES) {
      expect(() => new RegExp(rule.pattern, 'gd')).not.toThrow();
      // The hints of a case-insensitive rule are looked for in lower-cased text.
      if (rule.flags === 'i') for (const h of rule.hints ?? []) expect(h).toBe(h.toLowerCase());
    }
  });
});
