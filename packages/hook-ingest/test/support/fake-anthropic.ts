/**
 * A scriptable fake of the Anthropic Messages API on 127.0.0.1 (port 0), enough for the real Claude Code CLI
 * (`claude -p` and interactive): `POST /v1/messages` answers what the test's script says — streamed (SSE) or
 * plain assistant messages (text, tool_use), HTTP errors (529 overloaded, 500…) that make the CLI retry, or a
 * stream held open mid-message until the test releases it. Side requests (session titles, quota checks: no
 * tools offered), `count_tokens` and any other route get a sensible answer without bothering the script.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

export type Reply =
  /** An assistant message; stop reason `tool_use` when it has a tool_use block, else `end_turn`. */
  | { kind: 'message'; blocks: Block[] }
  /** An HTTP error answer (529 overloaded, 500 api_error, …). */
  | { kind: 'error'; status: number; errorType?: string; message?: string }
  /** Starts streaming `text` and stops there (no message_stop) until `hold.release()`, then ends with `finish`. */
  | { kind: 'hold'; text: string; finish?: Block[]; hold: Hold };

export interface Hold {
  /** Resolves when the fake has started the held stream (the CLI is now mid-message). */
  started: Promise<void>;
  /** Finishes the held message (with the reply's `finish` blocks, if any). */
  release(): void;
  /** Whether the client went away (e.g. the CLI aborted the request on Esc) while held. */
  aborted: () => boolean;
}

export function createHold(): Hold & { onStart(): void; onAbort(): void; released: Promise<void> } {
  let start!: () => void;
  let rel!: () => void;
  let gone = false;
  const started = new Promise<void>((r) => {
    start = r;
  });
  const released = new Promise<void>((r) => {
    rel = r;
  });
  return {
    started,
    released,
    release: () => rel(),
    aborted: () => gone,
    onStart: () => start(),
    onAbort: () => {
      gone = true;
      rel();
    },
  };
}

export interface ScriptContext {
  /** Text of the last user message (text blocks joined; tool results excluded). */
  lastUserText: string;
  /** `tool_use_id` of the last tool_result in the last user message, if any. */
  lastToolResultId: string | null;
  /** Content of that tool_result, as text. */
  lastToolResultText: string;
  /** Text of the first user message of the conversation. */
  firstUserText: string;
  /** Whether the request offered tools (main loop and subagents do; titles and quota checks do not). */
  hasTools: boolean;
  /** The system prompt, as text. */
  systemText: string;
  body: Record<string, unknown>;
}

/** What to answer to a main-loop request; a plain block list is a message. */
export type Script = (ctx: ScriptContext) => Reply | Block[];

/** The usage a response reports (the Messages API's `usage`, cache writes split by lifetime). */
export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export interface FakeOptions {
  /** The usage of the `n`th response (from 1); default: the same small usage for every response. */
  usage?: (n: number) => FakeUsage;
}

export interface FakeAnthropic {
  url: string;
  /**
   * Every /v1/messages request, with what was answered (side requests included, `side: true`) and the usage the
   * answer reported (`null` for an error), under its message id.
   */
  requests: Array<{
    path: string;
    ctx: ScriptContext;
    reply: Reply;
    side: boolean;
    messageId: string;
    usage: FakeUsage | null;
  }>;
  /** Tool-use ids issued so far. */
  toolUses: Array<{ id: string; name: string; input: Record<string, unknown> }>;
  /** Routes other than /v1/messages and count_tokens. */
  otherRoutes: string[];
  /** Replaces the script (one fake can serve several phases of a test). */
  setScript(script: Script): void;
  close(): Promise<void>;
}

interface ContentBlock {
  type?: string;
  text?: string;
  tool_use_id?: string;
  content?: unknown;
}
interface Message {
  role?: string;
  content?: string | ContentBlock[];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b: ContentBlock) => (b.type === 'text' ? (b.text ?? '') : '')).join('\n');
  }
  return '';
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: ContentBlock) => b.text ?? '').join('\n');
  return '';
}

export function contextOf(body: Record<string, unknown>): ScriptContext {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Message[];
  const users = messages.filter((m) => m.role === 'user');
  const last = users[users.length - 1];
  let lastToolResultId: string | null = null;
  let lastToolResultText = '';
  if (last && Array.isArray(last.content)) {
    for (const b of last.content) {
      if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        lastToolResultId = b.tool_use_id;
        lastToolResultText = toolResultText(b.content);
      }
    }
  }
  return {
    lastUserText: textOf(last?.content),
    lastToolResultId,
    lastToolResultText,
    firstUserText: textOf(users[0]?.content),
    hasTools: Array.isArray(body.tools) && body.tools.length > 0,
    systemText: textOf(body.system),
    body,
  };
}

/** Server-sent events as the Messages API streams them. */
export function sse(events: Array<Record<string, unknown>>): string {
  return events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

type Materialized =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

const USAGE: FakeUsage = {
  input_tokens: 50,
  output_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

export function messageStart(id: string, model: string, usage: FakeUsage = USAGE): Record<string, unknown> {
  return {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: 1 },
    },
  };
}

/** The content-block events of `blocks`, numbered from `first`. */
export function blockEvents(blocks: Materialized[], first = 0): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  blocks.forEach((block, i) => {
    const index = first + i;
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      events.push({
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      events.push({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    events.push({ type: 'content_block_stop', index });
  });
  return events;
}

export function messageEnd(stopReason: string, usage: FakeUsage = USAGE): Array<Record<string, unknown>> {
  return [
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    },
    { type: 'message_stop' },
  ];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Default answer to side requests (no tools): a short title-like text. */
const SIDE_TEXT = 'Flightdeck test';

export async function startFakeAnthropic(initial: Script, options: FakeOptions = {}): Promise<FakeAnthropic> {
  let script = initial;
  const requests: FakeAnthropic['requests'] = [];
  const otherRoutes: string[] = [];
  const toolUses: FakeAnthropic['toolUses'] = [];
  let seq = 0;
  let responses = 0;

  function materialize(blocks: Block[]): Materialized[] {
    return blocks.map((b) => {
      if (b.type === 'text') return b;
      const id = b.id ?? `toolu_fd_${b.name.toLowerCase()}_${++seq}`;
      toolUses.push({ id, name: b.name, input: b.input });
      return { type: 'tool_use', id, name: b.name, input: b.input };
    });
  }

  function answer(req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'bad json' } });
      return;
    }
    const ctx = contextOf(body);
    const compaction = isCompaction(ctx);
    const side = !ctx.hasTools || compaction;
    const scripted = side
      ? [{ type: 'text' as const, text: compaction ? COMPACT_SUMMARY : SIDE_TEXT }]
      : script(ctx);
    const reply: Reply = Array.isArray(scripted) ? { kind: 'message', blocks: scripted } : scripted;
    const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
    const id = `msg_fd_${++seq}`;
    const usage = reply.kind === 'error' ? null : (options.usage?.(++responses) ?? USAGE);
    requests.push({ path: req.url ?? '', ctx, reply, side, messageId: id, usage });
    if (reply.kind === 'error') {
      const errorType =
        reply.errorType ??
        (reply.status === 529 ? 'overloaded_error' : reply.status === 429 ? 'rate_limit_error' : 'api_error');
      json(
        res,
        reply.status,
        { type: 'error', error: { type: errorType, message: reply.message ?? errorType } },
        { 'request-id': `req_${id}` },
      );
      return;
    }
    if (reply.kind === 'message') {
      const content = materialize(reply.blocks.length > 0 ? reply.blocks : [{ type: 'text', text: 'ok' }]);
      const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
      if (body.stream !== true) {
        json(
          res,
          200,
          {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content,
            stop_reason: stopReason,
            stop_sequence: null,
            usage,
          },
          { 'request-id': `req_${id}` },
        );
        return;
      }
      res.writeHead(200, streamHeaders(id));
      res.end(
        sse([
          messageStart(id, model, usage ?? USAGE),
          ...blockEvents(content),
          ...messageEnd(stopReason, usage ?? USAGE),
        ]),
      );
      return;
    }
    // hold: the start of a text block, then nothing until released (or the client goes away).
    const hold = reply.hold as ReturnType<typeof createHold>;
    res.writeHead(200, streamHeaders(id));
    res.write(
      sse([
        messageStart(id, model, usage ?? USAGE),
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: reply.text } },
      ]),
    );
    const ping = setInterval(() => res.write(sse([{ type: 'ping' }])), 1000);
    res.on('close', () => {
      clearInterval(ping);
      if (!res.writableFinished) hold.onAbort?.();
    });
    hold.onStart?.();
    void hold.released.then(() => {
      clearInterval(ping);
      if (res.destroyed || res.writableEnded) return;
      const rest = materialize(reply.finish ?? []);
      const stopReason = rest.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
      res.end(
        sse([
          { type: 'content_block_stop', index: 0 },
          ...blockEvents(rest, 1),
          ...messageEnd(stopReason, usage ?? USAGE),
        ]),
      );
    });
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'POST' && path === '/v1/messages') return answer(req, res, raw);
      if (req.method === 'POST' && path === '/v1/messages/count_tokens')
        return json(res, 200, { input_tokens: 100 });
      otherRoutes.push(`${req.method} ${req.url}`);
      if (req.method === 'GET' && path.startsWith('/v1/models')) {
        return json(res, 200, { data: [], has_more: false, first_id: null, last_id: null });
      }
      json(res, 200, {});
    })().catch((err: unknown) => {
      json(res, 500, { type: 'error', error: { type: 'api_error', message: String(err) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    toolUses,
    otherRoutes,
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

function streamHeaders(id: string): Record<string, string> {
  return {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_${id}`,
  };
}

/**
 * The compaction requests of `/compact` (2.1.328 sends two, tools offered: the summary itself, asked for as
 * "an <analysis> block followed by a <summary> block", and a second one about how to write it).
 */
export function isCompaction(ctx: ScriptContext): boolean {
  return /<summary> block|how to summarize|write this summary/i.test(ctx.lastUserText);
}

export const COMPACT_SUMMARY =
  '<analysis>The user asked one question and got an answer.</analysis>\n<summary>1. Primary request: a first question, answered.</summary>';

/** A script that answers the given replies in order, then `rest` (default: a short text) for every request. */
export function queue(
  replies: Array<Reply | Block[]>,
  rest: Reply | Block[] = [{ type: 'text', text: 'Done.' }],
): Script {
  const left = [...replies];
  return () => left.shift() ?? rest;
}
