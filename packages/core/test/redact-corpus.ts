/**
 * The redaction corpus: real-shaped secrets of every built-in rule, generated here (fake but format-valid, from a
 * seeded generator, so no secret-shaped string is committed) inside the text around them, and look-alikes that must
 * come out unchanged. Shared by the core unit test and the server's ingest test.
 */

export interface SecretCase {
  rule: string;
  /** The text as an agent would send it. */
  text: string;
  /** The exact part that must be replaced by `[REDACTED:<rule>]` (the rest stays). */
  secret: string;
}

/** Deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URLSAFE = `${ALNUM}_-`;
const B64 = `${ALNUM}+/`;
const HEX = '0123456789abcdef';
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function secretCorpus(seed = 17): SecretCase[] {
  const r = rng(seed);
  const s = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  const pemBody = Array.from({ length: 12 }, () => s(B64, 64)).join('\n');
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n${s(B64, 20)}==\n-----END RSA PRIVATE KEY-----`;
  const opensshBody = Array.from({ length: 6 }, () => s(B64, 70)).join('\n');
  const openssh = `-----BEGIN OPENSSH PRIVATE KEY-----\n${opensshBody}\n-----END OPENSSH PRIVATE KEY-----`;
  const jwt = `eyJ${s(URLSAFE, 30)}.eyJ${s(URLSAFE, 60)}.${s(URLSAFE, 43)}`;
  const c = (rule: string, secret: string, before: string, after = ''): SecretCase => ({
    rule,
    secret,
    text: `${before}${secret}${after}`,
  });
  const anthropic = `sk-ant-api03-${s(URLSAFE, 93)}AA`;
  const openaiProj = `sk-proj-${s(URLSAFE, 156)}`;
  const openaiLegacy = `sk-${s(ALNUM, 20)}T3BlbkFJ${s(ALNUM, 20)}`;
  const ghp = `ghp_${s(ALNUM, 36)}`;
  const gho = `gho_${s(ALNUM, 36)}`;
  const ghs = `ghs_${s(ALNUM, 36)}`;
  const pat = `github_pat_${s(ALNUM, 22)}_${s(ALNUM, 59)}`;
  const akia = `AKIA${s(UPPER32, 16)}`;
  const awsSecret = s(`${ALNUM}/+`, 40);
  const google = `AIza${s(URLSAFE, 35)}`;
  const slack = `xoxb-${s('0123456789', 12)}-${s('0123456789', 13)}-${s(ALNUM, 24)}`;
  const stripe = `sk_live_${s(ALNUM, 24)}`;
  const stripeRestricted = `rk_live_${s(ALNUM, 24)}`;
  const gitlab = `glpat-${s(URLSAFE, 20)}`;
  const npm = `npm_${s(ALNUM, 36)}`;
  const dbPassword = `${s(ALNUM, 10)}!${s(ALNUM, 6)}`;
  return [
    c(
      'anthropic-key',
      anthropic,
      'export ANTHROPIC_BASE=x; curl -H "x-api-key: ',
      '" https://api.example.com',
    ),
    c('openai-key', openaiProj, 'The key is ', ', keep it safe.'),
    c('openai-key', openaiLegacy, 'old key ', ' (revoked)'),
    c('github-token', ghp, 'git clone https://x-access-token@github.com/o/r # token ', ''),
    c('github-token', gho, 'oauth: ', '\n'),
    c('github-token', ghs, '[', ']'),
    c('github-token', pat, 'fine-grained ', ' expires soon'),
    c('aws-access-key', akia, 'aws configure set aws_access_key_id ', ''),
    c('aws-secret-key', awsSecret, 'aws_secret_access_key = ', '\nregion = eu-west-1'),
    c('google-api-key', google, 'https://maps.example.com/api?key=', '&q=paris'),
    c('slack-token', slack, 'SLACK_BOT=', ' # bot'),
    c('stripe-key', stripe, 'stripe.setApiKey("', '");'),
    c('stripe-key', stripeRestricted, 'restricted: ', ''),
    c('gitlab-token', gitlab, 'glab auth login --token ', ''),
    c('npm-token', npm, '//registry.npmjs.org/:_authToken=', ''),
    c('bearer-token', jwt, 'curl -H "Authorization: Bearer ', '" https://api.example.com/v1/me'),
    c('bearer-token', s(ALNUM, 32), 'fetch(url, { headers: { Authorization: "Token ', '" } })'),
    c('private-key', pem, 'cat id_rsa\n', '\n$ '),
    c('private-key', openssh, '', ''),
    c('env-assignment', s(ALNUM, 24), 'SECRET=', '\nPORT=3000'),
    c('env-assignment', `"${s(ALNUM, 8)} ${s(ALNUM, 8)}"`, 'DB_PASSWORD=', '\n'),
    c('env-assignment', s(URLSAFE, 30), 'TOKEN=', ''),
    c('env-assignment', s(ALNUM, 32), 'export MY_SERVICE_API_KEY=', ' && ./run.sh'),
    c('env-assignment', `"${s(ALNUM, 24)}"`, '{"client_secret": ', ', "id": 4}'),
    c('url-credentials', dbPassword, 'DATABASE_URL is postgres://admin:', '@db.internal:5432/app'),
    c(
      'url-credentials',
      s(ALNUM, 16),
      'git remote add origin https://bob:',
      '@git.example.com/team/repo.git',
    ),
  ];
}

/** Strings that look like secrets and are not: none may change. */
export function lookAlikes(seed = 23): string[] {
  const r = rng(seed);
  const s = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
  return [
    `commit ${s(HEX, 40)} (HEAD -> main)`,
    `git checkout ${s(HEX, 7)}`,
    `session ${s(HEX, 8)}-${s(HEX, 4)}-4${s(HEX, 3)}-a${s(HEX, 3)}-${s(HEX, 12)}`,
    `![screenshot](data:image/png;base64,${s(B64, 3000)}==)`,
    `sha256: ${s(HEX, 64)}`,
    `"integrity": "sha512-${s(B64, 86)}=="`,
    'Use sk-learn for the classifier; task-sk-12 is risk-free; the sk-ant prefix marks Anthropic keys.',
    'TOKEN_COUNT=5',
    'MAX_TOKENS=4096',
    'PASSWORD_MIN_LENGTH=8',
    '{"input_tokens": 1234, "output_tokens": 56, "cache_read_input_tokens": 0, "max_tokens": 8192}',
    '"token_type": "bearer"',
    'Reset your password in Settings, then paste the token into the field.',
    'export GITHUB_TOKEN=$GITHUB_TOKEN',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    'PASSWORD=${{ secrets.DB_PASSWORD }}',
    'PWD=/home/dev/project',
    'open src/tokenizer.ts and src/auth/password-reset.ts',
    'git@github.com:org/repo.git and https://user@example.com/path and https://example.com:8443/x',
    'Bearer of bad news',
    'Keys look like ghp_ followed by 36 characters, or AKIA and 16 more.',
    'AIzaSy is the start of a Google key.',
    `request_id req_${s(ALNUM, 24)} msg_${s(ALNUM, 24)} toolu_${s(ALNUM, 24)}`,
    `${s(HEX, 32)}`,
    '2026-12-07T06:09:24.000Z pid=4242 exit=0',
    'Ran 12 tests: token refresh, password hashing (scrypt), secret rotation.',
    'const token = await getToken();',
  ];
}
