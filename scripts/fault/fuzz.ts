/**
 * fuzz: hostile requests at the ingest and API routes over keep-alive connections: POST /api/hooks (envelopes
 * and `?cli=` raw payloads), POST /api/hooks/batch, and /trpc queries and mutations (single and batched).
 * Random bytes, truncated JSON, wrong content types, huge strings, deep nesting (5,000 levels), prototype keys,
 * wrong types in every field, unicode edge cases, invalid UTF-8, oversized bodies, hostile ids.
 *
 * Required: no 5xx, the server stays up, its RSS stays under 400 MB, and afterwards 100 valid events are all
 * answered 202 and stored. 100,000 requests (quick: 5,000), from a seeded generator (the seed is printed; set
 * FAULT_SEED to replay a run).
 */
import type http from 'node:http';
import {
  countStored,
  deepArray,
  envelope,
  type HttpRequest,
  hookPayload,
  JSON_HEADERS,
  keepAliveAgent,
  makeDataDir,
  postJson,
  Report,
  releaseDataDir,
  reportTally,
  request,
  requireCleanStop,
  runId,
  type ScenarioOptions,
  type ScenarioResult,
  ServerProcess,
  sampleRss,
  tally,
} from './harness.js';

export const FUZZ_RSS_LIMIT_MB = 400;

/** encodeURIComponent, with lone surrogates (a slice may split a pair) replaced instead of throwing. */
function uri(s: string): string {
  return encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
}

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    bytes: (n: number) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
      return b;
    },
  };
}
type Rng = ReturnType<typeof rng>;

/** Ids that name Object.prototype members, and other hostile ids. */
const HOSTILE_IDS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '',
  ' ',
  '../../etc/passwd',
  '\u0000',
  '%00',
  'a'.repeat(257),
  '\ud800',
  '💥'.repeat(40),
  '<script>alert(1)</script>',
  "'; DROP TABLE sessions; --",
];

const UNICODE = [
  '\ud800',
  '\udfff',
  '\ud83d',
  '\ufeff',
  '\u202e',
  '\u200b',
  '\u0000',
  '\u2028\u2029',
  'é'.normalize('NFD').repeat(500),
  '🏳️‍🌈',
  '\uffff',
  'Z̴̡̛̺̞̏a̷̢̛̝̹̽l̵̡̟̈́g̵͓̈́o̴̟͌',
];

const WRONG_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'x',
  [],
  [1, 2],
  {},
  { a: 1 },
  '__proto__',
  'NaN',
];

/** Invalid UTF-8 sequences. */
const BAD_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  Buffer.from([0x80, 0x80]),
];

const TRPC_QUERIES = [
  'system.health',
  'system.info',
  'sessions.list',
  'sessions.get',
  'history.search',
  'history.fullText',
  'history.get',
  'history.session',
  'teams.get',
  'notes.list',
  'analytics.projects',
  'analytics.heatmap',
  'analytics.daily',
  'auth.status',
  'nope.nothing',
  '__proto__',
  'constructor.prototype',
];
/** Mutations whose valid inputs change only sessions' labels and notes (nothing that kills or locks out). */
const TRPC_MUTATIONS = [
  'sessions.setTitle',
  'sessions.setLabel',
  'sessions.setAccentColor',
  'sessions.archive',
  'sessions.unarchive',
  'notes.add',
  'notes.update',
  'notes.delete',
  'auth.login',
  'hooks.resetStats',
  '__proto__',
];

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/json, text/plain',
  '*/*',
  'application/octet-stream',
  'APPLICATION/JSON',
];

/** Caches the few large bodies (built once, sent many times). */
const big = {
  deepArray: deepArray(5000),
  deepObject: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
  hugeString: 'x'.repeat(1024 * 1024),
  oversized: 'y'.repeat(2 * 1024 * 1024 + 10),
};

function randomValue(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 2 ? 6 : 9);
  switch (k) {
    case 0:
      return r.pick(WRONG_VALUES);
    case 1:
      return r.pick(UNICODE);
    case 2:
      return r.pick(HOSTILE_IDS);
    case 3:
      return r.next() * 1e6;
    case 4:
      return 'z'.repeat(r.int(5000));
    case 5:
      return r.int(2) === 0;
    case 6:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--)
        o[r.pick(['a', 'b', '__proto__', 'constructor', 'prompt'])] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** A payload whose fields are each replaced, at random, by something of the wrong type or hostile. */
function hostilePayload(r: Rng, n: number): Record<string, unknown> {
  const p: Record<string, unknown> = hookPayload(`fz-${n}`, r.pick(HOSTILE_IDS.slice(0, 8)), {
    hook_event_name: r.pick([
      'UserPromptSubmit',
      'PreToolUse',
      'PostToolUse',
      'SessionStart',
      'Stop',
      'Notification',
    ]),
    tool_name: 'Bash',
    tool_input: { command: 'ls' },
    tool_use_id: r.pick(HOSTILE_IDS),
  });
  for (const key of Object.keys(p)) if (r.int(3) === 0) p[key] = randomValue(r);
  return p;
}

function hostileEnvelope(r: Rng, n: number): Record<string, unknown> {
  const e: Record<string, unknown> = {
    cli: r.int(4) === 0 ? r.pick(['claude', 'codex', 'gemini', '__proto__', 'CLAUDE', '', 7]) : 'claude',
    payload: hostilePayload(r, n),
    meta: {
      sentAt: r.int(3) === 0 ? randomValue(r) : Date.now(),
      ...(r.int(4) === 0 ? { pid: r.pick([0, -1, 1.5, 'x', 2 ** 40]) } : {}),
      ...(r.int(4) === 0 ? { tty: randomValue(r), host: randomValue(r), terminalId: randomValue(r) } : {}),
    },
  };
  if (r.int(4) === 0) e.id = randomValue(r);
  if (r.int(10) === 0) delete e[r.pick(['cli', 'payload', 'meta'])];
  return e;
}

/** Text with a prototype key at some level (JSON.stringify drops `__proto__` set by assignment). */
function protoJson(r: Rng, n: number): string {
  const inner = JSON.stringify(hookPayload(`fz-${n}`, r.pick(HOSTILE_IDS.slice(0, 5)))).slice(1);
  const key = r.pick(['__proto__', 'constructor', 'prototype']);
  const value =
    key === 'constructor' ? '{"prototype":{"polluted":true}}' : '{"polluted":true,"session_id":"x"}';
  switch (r.int(3)) {
    case 0:
      return `{"${key}":${value},"cli":"claude","payload":{${inner},"meta":{}}`;
    case 1:
      return `{"cli":"claude","payload":{"${key}":${value},${inner},"meta":{}}`;
    default:
      return `{"cli":"claude","payload":{${inner},"meta":{"${key}":${value}}}`;
  }
}

/** Splices invalid UTF-8 into a JSON string value. */
function invalidUtf8(r: Rng, n: number): Buffer {
  const text = JSON.stringify(envelope(`fz-${n}`, 'fz-utf8', { prompt: '@@' }));
  const [head, tail] = text.split('@@') as [string, string];
  return Buffer.concat([Buffer.from(head), r.pick(BAD_UTF8), Buffer.from(tail)]);
}

function deepEnvelope(r: Rng, n: number): string {
  const nest = r.int(2) === 0 ? big.deepArray : big.deepObject;
  const where = r.int(3);
  const p = JSON.stringify(hookPayload(`fz-${n}`, 'fz-deep')).slice(1, -1);
  if (where === 0) return `{"cli":"claude","payload":{${p},"x":${nest}},"meta":{}}`;
  if (where === 1) return `{"cli":"claude","payload":{${p}},"meta":{"x":${nest}}}`;
  return `{"cli":"claude","payload":{${p}},"meta":{},"x":${nest}}`;
}

function trpcInput(r: Rng): string {
  switch (r.int(6)) {
    case 0:
      return JSON.stringify({
        sessionId: r.pick(HOSTILE_IDS),
        title: randomValue(r),
        noteId: randomValue(r),
      });
    case 1:
      return JSON.stringify(randomValue(r));
    case 2:
      return `{"sessionId":"__proto__","__proto__":{"x":1},"text":${JSON.stringify(r.pick(UNICODE))}}`;
    case 3:
      return big.deepArray;
    case 4:
      return JSON.stringify({ password: randomValue(r), query: randomValue(r), limit: randomValue(r) }).slice(
        0,
        r.int(40),
      );
    default:
      return JSON.stringify({ json: randomValue(r) });
  }
}

/** One hostile request. `kind` names its class for the report. */
export function hostileRequest(r: Rng, n: number): { kind: string; req: HttpRequest } {
  const k = r.int(100);
  const hooks = r.int(5) === 0 ? '/api/hooks?cli=claude' : '/api/hooks';
  const json = (
    kind: string,
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = JSON_HEADERS,
  ) => ({
    kind,
    req: { path, headers, body },
  });
  if (k < 10) return json('random bytes', r.pick(['/api/hooks', '/api/hooks/batch']), r.bytes(r.int(2048)));
  if (k < 20) {
    const text = JSON.stringify(
      r.int(2) ? envelope(`fz-${n}`, 'fz-trunc') : { envelopes: [envelope(`fz-${n}`, 'fz-trunc')] },
    );
    return json(
      'truncated JSON',
      text.startsWith('{"env') ? '/api/hooks/batch' : hooks,
      text.slice(0, r.int(text.length)),
    );
  }
  if (k < 26) {
    const type = r.pick(CONTENT_TYPES);
    return json(
      'wrong content type',
      r.pick([hooks, '/api/hooks/batch', '/trpc/sessions.setTitle']),
      JSON.stringify(envelope(`fz-${n}`, 'fz-ct')),
      type ? { 'content-type': type } : {},
    );
  }
  if (k < 27)
    return json(
      'huge string',
      hooks,
      JSON.stringify(envelope(`fz-${n}`, 'fz-huge', { prompt: big.hugeString })),
    );
  if (k < 31)
    return json(
      'deep nesting',
      r.int(3) === 0 ? '/api/hooks/batch' : '/api/hooks',
      r.int(3) === 0 ? `{"envelopes":[${deepEnvelope(r, n)}]}` : deepEnvelope(r, n),
    );
  if (k < 38) return json('prototype keys', hooks, protoJson(r, n));
  if (k < 55) {
    const e = hostileEnvelope(r, n);
    return json('wrong types', hooks, JSON.stringify(hooks.includes('?') ? e.payload : e));
  }
  if (k < 60)
    return json(
      'unicode',
      hooks,
      JSON.stringify(envelope(`fz-${n}`, r.pick(UNICODE), { prompt: r.pick(UNICODE), cwd: r.pick(UNICODE) })),
    );
  if (k < 65) return json('invalid UTF-8', r.int(2) ? '/api/hooks' : '/api/hooks/batch', invalidUtf8(r, n));
  if (k < 75) {
    const bodies = [
      () => '{"envelopes":{}}',
      () => '{"envelopes":null}',
      () => '[]',
      () => '{"envelopes":[]}',
      () => `{"envelopes":[${Array.from({ length: 1001 }, () => '{}').join(',')}]}`,
      () => JSON.stringify({ envelopes: [envelope(`fz-${n}a`, 'fz-batch'), hostileEnvelope(r, n)] }),
      () =>
        JSON.stringify({
          envelopes: Array.from({ length: 1 + r.int(20) }, (_, i) => hostileEnvelope(r, n * 100 + i)),
        }),
      () => `{"envelopes":[${protoJson(r, n)}]}`,
      () => `{"__proto__":{"envelopes":[]},"envelopes":"x"}`,
    ];
    return json('bad batch', '/api/hooks/batch', r.pick(bodies)());
  }
  if (k < 85) {
    const proc = r.pick(TRPC_QUERIES);
    if (r.int(3) === 0) {
      const procs = Array.from({ length: 1 + r.int(5) }, () => r.pick(TRPC_QUERIES));
      const inputs: Record<string, unknown> = {};
      procs.forEach((_, i) => {
        inputs[r.int(6) === 0 ? '__proto__' : String(i)] = r.int(2)
          ? randomValue(r)
          : { sessionId: r.pick(HOSTILE_IDS) };
      });
      const input = r.int(4) === 0 ? trpcInput(r) : JSON.stringify(inputs);
      return {
        kind: 'tRPC batched query',
        req: { method: 'GET', path: `/trpc/${procs.join(',')}?batch=1&input=${uri(input)}` },
      };
    }
    return {
      kind: 'tRPC query',
      req: {
        method: r.int(8) === 0 ? 'POST' : 'GET',
        path: `/trpc/${proc}?input=${uri(trpcInput(r).slice(0, 12_000))}${r.int(10) === 0 ? '%FF%ED%A0%80%C0' : ''}`,
        headers: JSON_HEADERS,
        body: r.int(8) === 0 ? '{}' : undefined,
      } as HttpRequest,
    };
  }
  if (k < 95) {
    const proc = r.pick(TRPC_MUTATIONS);
    if (r.int(3) === 0) {
      const procs = Array.from({ length: 1 + r.int(4) }, () => r.pick(TRPC_MUTATIONS));
      const body =
        r.int(3) === 0
          ? trpcInput(r)
          : JSON.stringify(Object.fromEntries(procs.map((_, i) => [String(i), randomValue(r)])));
      return json('tRPC batched mutation', `/trpc/${procs.join(',')}?batch=1`, body);
    }
    return json(
      'tRPC mutation',
      r.int(8) === 0 ? `/trpc/${proc}?input=x` : `/trpc/${proc}`,
      trpcInput(r),
      r.int(6) === 0 ? { 'content-type': r.pick(CONTENT_TYPES) ?? 'text/plain' } : JSON_HEADERS,
    );
  }
  if (k < 98)
    return json(
      'hostile ids',
      hooks,
      JSON.stringify(
        envelope(`fz-${n}`, r.pick(HOSTILE_IDS.slice(0, 7)), {
          tool_use_id: '__proto__',
          prompt_id: 'constructor',
          agent_id: 'toString',
        }),
      ),
    );
  return json(
    'raw payload, hostile cli',
    `/api/hooks?cli=${uri(r.pick(['__proto__', 'constructor', 'x', '', 'claude&cli=codex']))}`,
    JSON.stringify(hookPayload(`fz-${n}`, 'fz-raw')),
  );
}

export async function fuzz(opts: ScenarioOptions): Promise<ScenarioResult> {
  const report = new Report('fuzz', opts);
  const total = opts.quick ? 5000 : 100_000;
  const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const r = rng(seed);
  const run = runId();
  const data = makeDataDir('fuzz');
  const server = await ServerProcess.start(data.dir);
  const rss = sampleRss(() => (server.alive ? server.pid : null));
  const agent: http.Agent = keepAliveAgent(8);
  const byStatus = new Map<string, number>();
  const fiveHundreds = new Map<string, { n: number; example: string }>();
  const noAnswer = new Map<string, number>();
  const timeByKind = new Map<string, { n: number; ms: number }>();
  let n = 0;
  const started = performance.now();
  const deadline = Date.now() + (opts.quick ? 60_000 : 900_000);
  try {
    report.set('seed (FAULT_SEED)', seed);
    const worker = async () => {
      while (n < total && server.alive && Date.now() < deadline) {
        const i = n++;
        // Oversized bodies (over the 2 MB hook limit, and once over the 16 MB batch limit) now and then.
        const { kind, req } =
          i === 7
            ? {
                kind: 'oversized batch',
                req: {
                  path: '/api/hooks/batch',
                  headers: JSON_HEADERS,
                  body: `{"envelopes":["${'b'.repeat(17 * 1024 * 1024)}"]}`,
                },
              }
            : i % 997 === 3
              ? {
                  kind: 'oversized body',
                  req: {
                    path: '/api/hooks',
                    headers: JSON_HEADERS,
                    body: `{"cli":"claude","payload":{"p":"${big.oversized}"}}`,
                  },
                }
              : hostileRequest(r, i);
        const t0 = performance.now();
        const answer = await request(server.url, agent, { ...req, timeoutMs: 15_000 });
        const k = timeByKind.get(kind) ?? { n: 0, ms: 0 };
        k.n += 1;
        k.ms += performance.now() - t0;
        timeByKind.set(kind, k);
        const status = answer.status === 0 ? 'no answer' : String(answer.status);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (answer.status >= 500) {
          const f = fiveHundreds.get(kind) ?? {
            n: 0,
            example: `${req.path.slice(0, 60)} → ${answer.body.slice(0, 120)}`,
          };
          f.n += 1;
          fiveHundreds.set(kind, f);
        }
        if (answer.status === 0) {
          const key = `${kind} (${answer.error})`;
          noAnswer.set(key, (noAnswer.get(key) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const elapsed = (performance.now() - started) / 1000;
    report.set('requests', n);
    report.set('requests/s', n / elapsed);
    report.set(
      'answers',
      [...byStatus]
        .sort()
        .map(([s, c]) => `${s}×${c}`)
        .join(' '),
    );
    report.set(
      'mean answer ms by kind',
      [...timeByKind]
        .sort((a, b) => b[1].ms - a[1].ms)
        .map(([kind, t]) => `${kind} ${(t.ms / t.n).toFixed(1)} (n=${t.n})`)
        .join(', '),
    );
    for (const [kind, f] of fiveHundreds) report.note(`5xx from ${kind}: ${f.n} (e.g. ${f.example})`);
    for (const [kind, c] of noAnswer) report.note(`no answer to ${kind}: ${c}`);
    const errors = [...fiveHundreds.values()].reduce((s, f) => s + f.n, 0);
    report.set('5xx', errors);
    report.require(n >= total, `only ${n} of ${total} requests were sent`);
    report.require(errors === 0, `${errors} answers were 5xx (${[...fiveHundreds.keys()].join(', ')})`);
    report.require(
      server.alive,
      `the server died (${JSON.stringify(server.exitStatus)}): ${server.lastOutput(500)}`,
    );
    // A refused oversized body may close the connection before it is all sent; anything else must be answered.
    const unanswered = [...noAnswer].filter(([kind]) => !kind.startsWith('oversized'));
    report.require(
      unanswered.length === 0,
      `requests without an answer: ${unanswered.map(([k, c]) => `${k}×${c}`).join(', ')}`,
    );

    // Valid events still work.
    const valid = Array.from({ length: 100 }, (_, i) => envelope(`${run}-v${i}`, `${run}-valid${i % 5}`));
    const statuses = server.alive
      ? await Promise.all(
          valid.map((e) => postJson(server.url, agent, '/api/hooks', e).then((a) => a.status)),
        )
      : [];
    const accepted = statuses.filter((s) => s === 202).length;
    report.set('valid events afterwards: 202', accepted);
    report.require(accepted === 100, `only ${accepted} of 100 valid events were accepted afterwards`);
    rss.stop();
    report.set('max RSS MB', rss.max);
    report.require(
      rss.max < FUZZ_RSS_LIMIT_MB,
      `RSS reached ${rss.max.toFixed(0)} MB (limit ${FUZZ_RSS_LIMIT_MB})`,
    );
    await requireCleanStop(report, server);
    reportTally(
      report,
      'valid afterwards',
      tally(
        valid.map((e) => e.id),
        countStored(data.dbFile, `${run}-v`),
      ),
    );
  } finally {
    rss.stop();
    agent.destroy();
    await server.kill();
    releaseDataDir(report, data, opts);
  }
  return report.done();
}
