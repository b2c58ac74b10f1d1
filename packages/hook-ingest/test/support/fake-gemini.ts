/**
 * A scriptable fake of the Gemini API (generativelanguage `v1beta`) on 127.0.0.1 (port 0), enough for the real
 * Gemini CLI pointed at it with `GOOGLE_GEMINI_BASE_URL` (+ any `GEMINI_API_KEY`):
 * `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` answers, as server-sent events, what the test's
 * script says — model text or one function call (a shell command through `run_shell_command`).
 * `:generateContent` side requests (the CLI's JSON-schema helper calls: routing, next-speaker checks…) get a
 * minimal JSON answer, `:countTokens` a count; every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type GeminiReply =
  | { kind: 'text'; text: string }
  | { kind: 'shell'; command: string }
  | { kind: 'error'; status: number; message?: string };

interface Part {
  text?: string;
  functionCall?: { name?: string; args?: unknown };
  functionResponse?: { name?: string; response?: unknown };
}
interface Content {
  role?: string;
  parts?: Part[];
}

export interface GeminiContext {
  /** Texts of the user's prompts (user contents with text parts), in order. */
  userTexts: string[];
  /** The response of the last function call, when the conversation ends with one (as JSON text). */
  lastToolOutput: string | null;
  /** Names of the function declarations offered. */
  tools: string[];
  body: Record<string, unknown>;
}

export type GeminiScript = (ctx: GeminiContext) => GeminiReply;

export interface FakeGemini {
  /** The base URL to put in GOOGLE_GEMINI_BASE_URL. */
  url: string;
  /** Main-loop (streamed) requests and their answers. */
  requests: Array<{
    path: string;
    ctx: GeminiContext;
    reply: GeminiReply;
    /** The usage this answer reported (none for an error answer). */
    usage: GeminiUsage | null;
  }>;
  /** Side requests (`:generateContent`, `:countTokens`, others): method and path. */
  sideRequests: string[];
  setScript(script: GeminiScript): void;
  close(): Promise<void>;
}

export function geminiContextOf(body: Record<string, unknown>): GeminiContext {
  const contents = (Array.isArray(body.contents) ? body.contents : []) as Content[];
  const userTexts = contents
    .filter((c) => c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string'))
    .map((c) => (c.parts ?? []).map((p) => p.text ?? '').join(''));
  const last = contents[contents.length - 1];
  const response = (last?.parts ?? []).find((p) => p.functionResponse)?.functionResponse?.response;
  const tools = ((Array.isArray(body.tools) ? body.tools : []) as Array<{ functionDeclarations?: unknown }>)
    .flatMap((t) => (Array.isArray(t.functionDeclarations) ? t.functionDeclarations : []))
    .map((d: { name?: unknown }) => String(d?.name));
  return {
    userTexts,
    lastToolOutput: response === undefined ? null : JSON.stringify(response),
    tools,
    body,
  };
}

/** Usage as the Gemini API reports it (`usageMetadata`): the prompt count includes the cached part. */
export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount: number;
  thoughtsTokenCount: number;
  totalTokenCount: number;
}

/** The usage of the `seq`th streamed response: different for each, so one counted twice or lost shows. */
export function geminiUsageOf(seq: number): GeminiUsage {
  const prompt = 2000 + 100 * seq;
  const candidates = 20 + seq;
  const thoughts = 3;
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    cachedContentTokenCount: 40 * seq,
    thoughtsTokenCount: thoughts,
    totalTokenCount: prompt + candidates + thoughts,
  };
}

/** What side requests (routing, next speaker) report. */
const SIDE_USAGE = geminiUsageOf(0);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const candidate = (parts: Part[], usageMetadata: GeminiUsage) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata,
  modelVersion: 'gemini-fake',
});

/** A minimal answer to a side request that asks for JSON (routing, next speaker…), else a short text. */
function sideAnswer(body: Record<string, unknown>): Part[] {
  const config = (body.generationConfig ?? {}) as Record<string, unknown>;
  if (config.responseMimeType === 'application/json') {
    const schema = JSON.stringify(config.responseJsonSchema ?? config.responseSchema ?? {});
    if (schema.includes('next_speaker')) {
      return [{ text: JSON.stringify({ reasoning: 'done', next_speaker: 'user' }) }];
    }
    if (schema.includes('model_choice')) {
      return [{ text: JSON.stringify({ reasoning: 'simple', model_choice: 'flash' }) }];
    }
    return [{ text: '{}' }];
  }
  return [{ text: 'Flightdeck test' }];
}

export async function startFakeGemini(initial: GeminiScript): Promise<FakeGemini> {
  let script = initial;
  const requests: FakeGemini['requests'] = [];
  const sideRequests: string[] = [];

  function stream(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const ctx = geminiContextOf(body);
    const reply = script(ctx);
    const usage = reply.kind === 'error' ? null : geminiUsageOf(requests.length + 1);
    requests.push({ path: req.url ?? '', ctx, reply, usage });
    if (reply.kind === 'error') {
      json(res, reply.status, {
        error: { code: reply.status, message: reply.message ?? 'error', status: 'INTERNAL' },
      });
      return;
    }
    const parts: Part[] =
      reply.kind === 'text'
        ? [{ text: reply.text }]
        : [{ functionCall: { name: 'run_shell_command', args: { command: reply.command } } }];
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(`data: ${JSON.stringify(candidate(parts, usage ?? SIDE_USAGE))}\r\n\r\n`);
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      } catch {
        return json(res, 400, { error: { code: 400, message: 'bad json', status: 'INVALID_ARGUMENT' } });
      }
      if (req.method === 'POST' && path.endsWith(':streamGenerateContent')) return stream(req, res, body);
      sideRequests.push(`${req.method} ${path}`);
      if (req.method === 'POST' && path.endsWith(':generateContent')) {
        return json(res, 200, candidate(sideAnswer(body), SIDE_USAGE));
      }
      if (req.method === 'POST' && path.endsWith(':countTokens')) return json(res, 200, { totalTokens: 100 });
      json(res, 404, { error: { code: 404, message: `no route ${path}`, status: 'NOT_FOUND' } });
    })().catch((err: unknown) =>
      json(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sideRequests,
    setScript: (s) => {
      script = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
