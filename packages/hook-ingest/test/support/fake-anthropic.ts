/**
 * A scripted fake of the Anthropic Messages API on 127.0.0.1 (port 0), enough for the real Claude Code CLI:
 * `POST /v1/messages` answers with streamed (SSE) or plain assistant messages chosen by a script that looks
 * at the conversation (the last user message: its text or the id of the tool_result it carries).
 * Other routes get a sensible answer and are logged in `unknownRoutes`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown> };

export interface ScriptContext {
  /** Text of the last user message (text blocks joined; tool results excluded). */
  lastUserText: string;
  /** `tool_use_id` of the last tool_result in the last user message, if any. */
  lastToolResultId: string | null;
  /** Content of that tool_result, as text. */
  lastToolResultText: string;
  /** Text of the first user message of the conversation. */
  firstUserText: string;
  /** Whether the request offered tools (main loop and subagents do; side requests like titles do not). */
  hasTools: boolean;
  body: Record<string, unknown>;
}

/** Returns the blocks to answer with; tool_use ids are generated (`toolu_fd_<tag>_<n>`, tag = `name`). */
export type Script = (ctx: ScriptContext) => Block[];

export interface FakeAnthropic {
  url: string;
  requests: Array<{ path: string; ctx: ScriptContext; reply: Block[] }>;
  unknownRoutes: string[];
  /** Tool-use ids issued so far, by tool name. */
  toolUses: Array<{ id: string; name: string; input: Record<string, unknown> }>;
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
    return content
      .map((b: ContentBlock) => (b.type === 'text' ? (b.text ?? '') : b.type === 'tool_result' ? '' : ''))
      .join('\n');
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
    body,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeAnthropic(script: Script): Promise<FakeAnthropic> {
  const requests: FakeAnthropic['requests'] = [];
  const unknownRoutes: string[] = [];
  const toolUses: FakeAnthropic['toolUses'] = [];
  let seq = 0;

  function materialize(blocks: Block[]) {
    return blocks.map((b) => {
      if (b.type === 'text') return b;
      const id = `toolu_fd_${b.name.toLowerCase()}_${++seq}`;
      toolUses.push({ id, name: b.name, input: b.input });
      return { type: 'tool_use' as const, id, name: b.name, input: b.input };
    });
  }

  function sendMessages(req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'bad json' } }),
      );
      return;
    }
    const ctx = contextOf(body);
    const reply = script(ctx);
    requests.push({ path: req.url ?? '', ctx, reply });
    const content = materialize(reply.length > 0 ? reply : [{ type: 'text', text: 'ok' }]);
    const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5';
    const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    const id = `msg_fd_${++seq}`;
    const usage = {
      input_tokens: 50,
      output_tokens: 20,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
      res.end(
        JSON.stringify({
          id,
          type: 'message',
          role: 'assistant',
          model,
          content,
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'request-id': `req_${id}`,
    });
    const event = (name: string, data: unknown) =>
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    event('message_start', {
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
    });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        });
        event('content_block_delta', {
          type: 'content_block_delta',
          index,
          delta: { type: 'text_delta', text: block.text },
        });
      } else {
        event('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        });
        const json = JSON.stringify(block.input);
        const mid = Math.floor(json.length / 2);
        for (const part of [json.slice(0, mid), json.slice(mid)]) {
          event('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: part },
          });
        }
      }
      event('content_block_stop', { type: 'content_block_stop', index });
    });
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'POST' && path === '/v1/messages') return sendMessages(req, res, raw);
      if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ input_tokens: 100 }));
      }
      unknownRoutes.push(`${req.method} ${req.url}`);
      if (req.method === 'GET' && path.startsWith('/v1/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ data: [], has_more: false, first_id: null, last_id: null }));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(err) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unknownRoutes,
    toolUses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
