/**
 * The built-in secret rules of the redactor (`redact.ts`), as data: an id (what `[REDACTED:<id>]` names and what
 * `redaction.disable` lists), a JavaScript pattern and its flags. A rule whose pattern has a group named `secret`
 * replaces only that group (the variable name, the URL's user stay); otherwise the whole match.
 *
 * Every pattern is bounded (no `*`, `+` or `{n,}` that could scan a long string from each position) and passes the
 * same ReDoS guard as the rules users add (`checkRulePattern`; a test holds every rule to it).
 */
export interface RedactionRule {
  id: string;
  pattern: string;
  /** `i` for a case-insensitive rule; `g` and `d` are always added. */
  flags?: 'i';
  /**
   * Text the rule cannot match without (any one of them; lower-case for an `i` rule): a string holding none is
   * not scanned by the pattern (most strings hold none, and `includes` costs next to nothing).
   */
  hints?: readonly string[];
}

/** Characters a token ends at: anything that cannot continue it. */
const END = '(?![A-Za-z0-9_-])';

export const BUILTIN_REDACTION_RULES: readonly RedactionRule[] = [
  // PEM private key blocks (RSA, EC, OPENSSH, ENCRYPTED…); a block cut before its END line is redacted to its end.
  {
    id: 'private-key',
    pattern:
      '-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=:,\\- \\t\\r\\n\\\\]{0,16384}?-----END (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/= \\t\\r\\n\\\\]{0,16384})',
    hints: ['-----BEGIN'],
  },
  // Anthropic: sk-ant-api03-…, sk-ant-admin01-…, sk-ant-oat01-…
  {
    id: 'anthropic-key',
    pattern: `\\bsk-ant-[a-z]{2,10}[0-9]{2}-[A-Za-z0-9_-]{20,250}${END}`,
    hints: ['sk-ant-'],
  },
  // OpenAI: project, service-account and admin keys, and the legacy sk-<48> (with its T3BlbkFJ marker or not).
  {
    id: 'openai-key',
    pattern: `\\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,250}${END}`,
    hints: ['sk-'],
  },
  {
    id: 'openai-key',
    pattern: '\\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}(?![A-Za-z0-9])',
    hints: ['T3BlbkFJ'],
  },
  { id: 'openai-key', pattern: '\\bsk-[A-Za-z0-9]{48}(?![A-Za-z0-9])', hints: ['sk-'] },
  // GitHub: personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
  {
    id: 'github-token',
    pattern: '\\bgh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9])',
    hints: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  },
  {
    id: 'github-token',
    pattern: '\\bgithub_pat_[A-Za-z0-9_]{22,244}(?![A-Za-z0-9_])',
    hints: ['github_pat_'],
  },
  { id: 'gitlab-token', pattern: `\\bglpat-[A-Za-z0-9_-]{20,64}${END}`, hints: ['glpat-'] },
  // AWS access key ids, and secret access keys written next to their name.
  {
    id: 'aws-access-key',
    pattern: '\\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])',
    hints: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
  },
  {
    id: 'aws-secret-key',
    pattern:
      '\\baws_?secret_?(?:access_?)?key["\']?[ \\t]{0,4}[:=][ \\t]{0,4}["\']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])',
    flags: 'i',
    hints: ['secret'],
  },
  { id: 'google-api-key', pattern: `\\bAIza[0-9A-Za-z_-]{35}${END}`, hints: ['AIza'] },
  { id: 'slack-token', pattern: `\\bxox[abposre]-[A-Za-z0-9-]{10,250}${END}`, hints: ['xox'] },
  {
    id: 'stripe-key',
    pattern: '\\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9])',
    hints: ['_live_', '_test_'],
  },
  { id: 'npm-token', pattern: '\\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])', hints: ['npm_'] },
  // Authorization headers (Bearer, Basic, Token), and a bare "Bearer <token>".
  {
    id: 'bearer-token',
    pattern:
      '\\b(?:proxy-)?authorization["\']?[ \\t]{0,4}[:=][ \\t]{0,4}["\']?(?:bearer|basic|token)[ \\t]{1,4}(?<secret>[A-Za-z0-9._~+/-]{8,4096}={0,2})',
    flags: 'i',
    hints: ['authorization'],
  },
  {
    id: 'bearer-token',
    pattern: '\\bBearer[ \\t]{1,4}(?<secret>[A-Za-z0-9._~+/-]{16,4096}={0,2})',
    hints: ['Bearer'],
  },
  // URLs with credentials: only the password goes (scheme://user:[REDACTED:url-credentials]@host).
  {
    id: 'url-credentials',
    pattern: '\\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\\s:/@"\'<>]{1,256}:(?<secret>[^\\s/@"\'<>]{1,256})@',
    hints: ['://'],
  },
  // .env-style and config assignments: FOO_TOKEN=…, authToken=…, DB_PASSWORD: "…", "api_key": "…": a name ending
  // in one of the words, then the value. Unquoted values only right after `=` (NAME=value); after `:` or a spaced
  // `=` only a quoted one (not `token: string` in code). Not TOKEN_COUNT=5, MAX_TOKENS=4096 or PASSWORD=$VAR.
  {
    id: 'env-assignment',
    pattern:
      '(?:secret|password|passwd|token|api[_-]?key|secret[_-]?key|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)(?:=|["\']?[ \\t]{0,4}[=:][ \\t]{0,4}(?=["\']))(?<secret>"[^"\\n]{1,512}"|\'[^\'\\n]{1,512}\'|[^\\s"\'$`{}()[\\],;&|<>*]{1,512})',
    flags: 'i',
    hints: ['secret', 'passw', 'token', 'key', 'credential'],
  },
];
