import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lookAlikes, secretCorpus } from '../../../packages/core/test/redact-corpus.js';
import { configFileSchema } from '../src/config.js';
import { createInputRedaction } from '../src/redaction.js';
import {
  caller,
  claudeEvent,
  postHook,
  prompt,
  sessionStart,
  sqliteOf,
  startTestServer,
  tmpDir,
  trpcClient,
  waitFor,
} from './helpers.js';

const SESSION = 'redact-1';
const corpus = secretCorpus();
const plain = lookAlikes();
const CORP_KEY = `corp_${'k3'.repeat(16)}`;

/** What finds a secret wherever it was written: itself, its JSON-escaped form, each of its long lines. */
function needles(secret: string): string[] {
  return [secret, JSON.stringify(secret).slice(1, -1), ...secret.split('\n').filter((l) => l.length >= 20)];
}
const allNeedles = [...corpus.flatMap((c) => needles(c.secret)), CORP_KEY];

describe('secrets are redacted at ingest (real server, real SQLite file)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('no secret in the stored events, the database file, the search index, the live broadcast or the export; no look-alike changed', async () => {
    const tmp = tmpDir('fd-redact-');
    cleanups.push(tmp.remove);
    const server = await startTestServer({
      dataDir: tmp.dir,
      file: { redaction: { extra: [{ id: 'corp-key', pattern: 'corp_[a-z0-9]{32}' }] } },
    });
    let closed = false;
    cleanups.push(() => (closed ? undefined : server.close()));
    const url = server.url as string;
    const { client, close } = trpcClient(url);
    cleanups.push(close);
    const broadcast: string[] = [];
    const sub = client.sessions.live.subscribe(undefined, {
      onData: (d) => broadcast.push(JSON.stringify(d)),
      onError: () => {},
    });
    cleanups.push(() => sub.unsubscribe());

    const post = async (envelope: Parameters<typeof postHook>[1]) =>
      expect((await postHook(url, envelope)).status).toBe(202);
    await post(sessionStart(SESSION));
    const texts = [...corpus.map((c) => c.text), `our own key ${CORP_KEY} too`, ...plain];
    for (const [i, text] of texts.entries()) {
      await post(prompt(SESSION, text));
      const tool = { tool_name: 'Bash', tool_use_id: `toolu_${i}`, tool_input: { command: text } };
      await post(claudeEvent(SESSION, 'PreToolUse', tool));
      await post(
        claudeEvent(SESSION, 'PostToolUse', { ...tool, tool_response: { stdout: text, stderr: '' } }),
      );
    }
    const me = caller(server);
    await me.notes.add({ sessionId: SESSION, text: `deploy key: ${corpus[0]!.text}` });
    const last = plain[plain.length - 1] as string;
    await waitFor(() => broadcast.some((d) => d.includes(JSON.stringify(last).slice(1, -1))));

    // The export: the stored session with its prompts, tool calls and notes.
    const detail = await me.history.get({ sessionId: SESSION });
    const exported = JSON.stringify(detail);
    const live = JSON.stringify(await me.sessions.get({ sessionId: SESSION }));
    for (const n of allNeedles) {
      expect(exported).not.toContain(n);
      expect(live).not.toContain(n);
      for (const d of broadcast) expect(d).not.toContain(n);
    }
    for (const c of corpus) expect(exported).toContain(`[REDACTED:${c.rule}]`);
    expect(exported).toContain('[REDACTED:corp-key]');
    // Look-alikes: stored as sent, every one of them, as prompts and as tool commands.
    const prompts = detail.prompts.map((p) => p.text);
    // Tool inputs are stored as JSON cut to 4000 characters: each look-alike is there as it was sent (its start).
    const inputs = detail.toolCalls.map((t) => t.inputExcerpt ?? '');
    for (const text of plain) {
      expect(prompts).toContain(text);
      const json = JSON.stringify(text).slice(1, -1).slice(0, 3000);
      expect(
        inputs.some((i) => i.includes(json)),
        text,
      ).toBe(true);
    }

    // The search index: a secret finds nothing; a look-alike and the mark are found.
    for (const c of [...corpus.map((x) => x.secret), CORP_KEY]) {
      const hits = await me.history.fullText({ query: c.replace(/\s+/g, ' ').slice(0, 900) });
      expect(hits.total, c).toBe(0);
    }
    const sha = (plain[0] as string).split(' ')[1] as string;
    expect((await me.history.fullText({ query: sha })).total).toBeGreaterThan(0);
    expect((await me.history.fullText({ query: 'REDACTED' })).total).toBeGreaterThan(0);

    // The raw event log, then every byte of the database once the server is closed (sessions, rings, state, notes).
    const payloads = sqliteOf(server).prepare('SELECT payload FROM hook_events').pluck().all() as string[];
    expect(payloads.length).toBe(1 + texts.length * 3);
    for (const n of allNeedles) for (const p of payloads) expect(p).not.toContain(n);
    sub.unsubscribe();
    closed = true;
    await server.close();
    const bytes = ['flightdeck.db', 'flightdeck.db-wal']
      .map((f) => {
        try {
          return readFileSync(join(tmp.dir, f)).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    for (const n of allNeedles) expect(bytes.includes(n), n).toBe(false);
    expect(bytes).toContain(sha);
  });
});

describe('transcript entries the follower feeds are redacted (real server, real SQLite file)', () => {
  it('an API error quoting a key reaches the lifecycle events, the status reason and the database redacted', async () => {
    const tmp = tmpDir('fd-redact-tx-');
    const server = await startTestServer({ dataDir: tmp.dir, listen: false });
    try {
      const key = corpus.find((c) => c.rule === 'anthropic-key')!;
      await server.runtime.ingest(sessionStart('tx-1'), 'tx-1');
      await server.runtime.ingest(prompt('tx-1', 'go'), 'tx-2');
      const r = await server.runtime.dispatch({
        type: 'transcript',
        sessionId: 'tx-1',
        path: '/home/dev/.claude/projects/p/tx-1.jsonl',
        offset: 100,
        skipped: 0,
        entries: [
          {
            kind: 'api-error',
            message: `401 invalid x-api-key ${key.secret}`,
            attempt: 1,
            maxAttempts: 10,
            retryInMs: 500,
            at: Date.now(),
            uuid: 'u-1',
            agentId: null,
          },
        ],
      });
      expect(r.rejected).toEqual([]);
      await server.runtime.drain();
      const detail = JSON.stringify(await caller(server).history.get({ sessionId: 'tx-1' }));
      expect(detail).toContain('invalid x-api-key [REDACTED:anthropic-key]');
      expect(detail).not.toContain(key.secret);
      expect(JSON.stringify(server.runtime.getSession('tx-1'))).not.toContain(key.secret);
    } finally {
      await server.close();
      tmp.remove();
    }
  });
});

describe('what the runtime redacts (redaction.ts)', () => {
  const r = createInputRedaction(() => configFileSchema.parse({}).redaction);
  const c = corpus.find((x) => x.rule === 'anthropic-key')!;

  it('transcript entries and user titles are redacted; paths, ids and the envelope meta are not', () => {
    const entries = [{ kind: 'assistant-text', text: c.text, uuid: 'u1', at: 1 }];
    const input = r.input({
      type: 'transcript',
      sessionId: 's',
      path: '/home/dev/.claude/projects/x/s.jsonl',
      offset: 10,
      entries: entries as never,
      skipped: 0,
    });
    expect(JSON.stringify(input)).not.toContain(c.secret);
    expect(input).toMatchObject({ path: '/home/dev/.claude/projects/x/s.jsonl', sessionId: 's' });
    const title = r.input({ type: 'user', action: { type: 'set-title', sessionId: 's', title: c.text } });
    expect(JSON.stringify(title)).not.toContain(c.secret);
    const meta = { hold: `/home/dev/.flightdeck/spool/hold/TOKEN=${c.secret}` };
    const e = r.envelope({ cli: 'claude', payload: { prompt: c.text }, meta } as never);
    expect(e.meta).toBe(meta);
    expect(JSON.stringify(e.payload)).not.toContain(c.secret);
    const timer = { type: 'timer', key: 'k', sessionId: c.secret, kind: 'idle' } as const;
    expect(r.input(timer)).toBe(timer);
  });

  it('config.json: redaction is validated at the edge, each error naming its field', () => {
    expect(configFileSchema.parse({}).redaction).toEqual({ enabled: true, disable: [], extra: [] });
    const bad = configFileSchema.safeParse({
      redaction: {
        disable: ['no-such-rule'],
        extra: [
          { id: 'evil', pattern: '(a+)+$' },
          { id: 'github-token', pattern: 'x{3}' },
          { id: 'Bad', pattern: 'y{3}' },
        ],
        surprise: true,
      },
    });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^redaction\.disable\.0: unknown rule/),
        expect.stringMatching(/^redaction\.extra\.0\.pattern: unbounded repetition/),
        expect.stringMatching(/^redaction\.extra\.2\.id: /),
        expect.stringMatching(/^redaction: Unrecognized key/),
      ]),
    );
    const taken = configFileSchema.safeParse({
      redaction: { extra: [{ id: 'github-token', pattern: 'x{3}' }] },
    });
    expect(taken.error?.issues.map((i) => i.path.join('.'))).toEqual(['redaction.extra.0.id']);
  });
});
