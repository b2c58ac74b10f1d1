/**
 * A scriptable fake of the OpenAI Responses API on 127.0.0.1 (port 0), enough for the real Codex CLI pointed at
 * it as a custom model provider (`model_providers.<id>.base_url = "<url>/v1"`, `wire_api = "responses"`):
 * `POST /v1/responses` answers, streamed as server-sent events, what the test's script says — assistant text or
 * one function call (the shell tool the request offers). Any other route (model lists…) gets an empty answer
 * and is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OpenAiReply =
  | { kind: 'text'; text: string }
  /**
   * A shell command, sent as a call of whichever shell tool the request offers; `escalate`: asks to run it outside
   * the sandbox (`sandbox_permissions: "require_escalated"`), which Codex submits for approval under `on-request`.
   */
  | { kind: 'shell'; command: string; escalate?: boolean }
  /** An HTTP error answer (the CLI may retry). */
  | { kind: 'error'; status: number; message?: string };

export interface OpenAiContext {
  /** Text of the last user message of the input. */
  lastUserText: string;
  /** Output of the last function call in the input, when the input ends with one. */
  lastToolOutput: string | null;
  /** How many user messages the input holds (a second turn has two, plus the CLI's own context messages). */
  userTexts: string[];
  /** Names of the tools offered. */
  tools: string[];
  body: Record<string, unknown>;
}

export type OpenAiScript = (ctx: OpenAiContext) => OpenAiReply;

export interface FakeOpenAi {
  /** The base URL to configure (`…/v1`). */
  url: string;
  requests: Array<{
    path: string;
    ctx: OpenAiContext;
    reply: OpenAiReply;
    responseId: string;
    /** The usage this response reported (none for an error answer). */
    usage: OpenAiUsage | null;
    /** The TUI's own side request (a title for the thread), answered without the script. */
    side: boolean;
  }>;
  /** Function calls issued so far. */
  calls: Array<{ callId: string; name: string; arguments: Record<string, unknown> }>;
  otherRoutes: string[];
  setScript(script: OpenAiScript): void;
  close(): Promise<void>;
}

interface InputItem {
  type?: string;
  role?: string;
  content?: unknown;
  output?: unknown;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c: { text?: unknown }) => (typeof c?.text === 'string' ? c.text : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && 'content' in output) return contentText(output.content);
  return contentText(output);
}

/**
 * The request Codex's TUI (0.171.0) sends at a thread's first prompt for its title ("Generate a concise, single-line
 * task title…"): not part of the conversation (its usage is not written to the rollout).
 */
export const isTitleRequest = (ctx: OpenAiContext): boolean =>
  ctx.lastUserText.startsWith('Generate a concise, single-line task title');

/** Context messages Codex adds as user messages (environment, AGENTS.md, permissions). */
const isCodexContext = (text: string): boolean =>
  /^\s*<(environment_context|user_instructions|permissions)/.test(text);

export function openAiContextOf(body: Record<string, unknown>): OpenAiContext {
  const input = (Array.isArray(body.input) ? body.input : []) as InputItem[];
  const userTexts = input
    .filter((i) => (i.type === 'message' || i.type === undefined) && i.role === 'user')
    .map((i) => contentText(i.content))
    .filter((t) => !isCodexContext(t));
  const last = input[input.length - 1];
  const tools = (Array.isArray(body.tools) ? body.tools : [])
    .map((t: { name?: unknown; type?: unknown }) => (typeof t?.name === 'string' ? t.name : String(t?.type)))
    .filter((n) => n !== '');
  return {
    lastUserText: userTexts[userTexts.length - 1] ?? '',
    lastToolOutput: last?.type === 'function_call_output' ? outputText(last.output) : null,
    userTexts,
    tools,
    body,
  };
}

/** The arguments of a call of the shell tool `name` running `command` (each Codex shell tool has its shape). */
export function shellCall(name: string, command: string): Record<string, unknown> {
  if (name === 'shell') return { command: ['bash', '-lc', command] };
  if (name === 'exec_command') return { cmd: command };
  return { command };
}

/** The shell tool among those offered, in Codex's order of preference. */
export function shellToolOf(tools: string[]): string {
  for (const name of ['shell_command', 'exec_command', 'shell']) if (tools.includes(name)) return name;
  throw new Error(`no shell tool offered (tools: ${tools.join(', ')})`);
}

const sse = (events: Array<Record<string, unknown>>): string =>
  events.map((e) => `event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`).join('');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Usage as the Responses API reports it: `input_tokens` includes the cached part, `output_tokens` the reasoning. */
export interface OpenAiUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** The usage of the `seq`th response: different for each, so a response counted twice or lost shows. */
export function openAiUsageOf(seq: number): OpenAiUsage {
  const input = 1000 + 100 * seq;
  const output = 10 + seq;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 50 * seq },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 2 },
    total_tokens: input + output,
  };
}

export async function startFakeOpenAi(initial: OpenAiScript): Promise<FakeOpenAi> {
  let script = initial;
  const requests: FakeOpenAi['requests'] = [];
  const calls: FakeOpenAi['calls'] = [];
  const otherRoutes: string[] = [];
  let seq = 0;

  function answer(req: IncomingMessage, res: ServerResponse, raw: string): void {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      json(res, 400, { error: { type: 'invalid_request_error', message: 'bad json' } });
      return;
    }
    const ctx = openAiContextOf(body);
    const side = isTitleRequest(ctx);
    const reply: OpenAiReply = side ? { kind: 'text', text: 'Flightdeck test' } : script(ctx);
    const responseId = `resp_fd_${++seq}`;
    const usage = reply.kind === 'error' ? null : openAiUsageOf(seq);
    requests.push({ path: req.url ?? '', ctx, reply, responseId, usage, side });
    if (reply.kind === 'error') {
      json(res, reply.status, { error: { type: 'server_error', message: reply.message ?? 'error' } });
      return;
    }
    let item: Record<string, unknown>;
    if (reply.kind === 'text') {
      item = {
        type: 'message',
        role: 'assistant',
        id: `msg_fd_${seq}`,
        status: 'completed',
        content: [{ type: 'output_text', text: reply.text, annotations: [] }],
      };
    } else {
      const name = shellToolOf(ctx.tools);
      const args = {
        ...shellCall(name, reply.command),
        ...(reply.escalate
          ? { sandbox_permissions: 'require_escalated', justification: 'The test asks to write a file.' }
          : {}),
      };
      const callId = `call_fd_${seq}`;
      calls.push({ callId, name, arguments: args });
      item = {
        type: 'function_call',
        id: `fc_fd_${seq}`,
        status: 'completed',
        call_id: callId,
        name,
        arguments: JSON.stringify(args),
      };
    }
    const model = typeof body.model === 'string' ? body.model : 'gpt-fake';
    const response = { id: responseId, object: 'response', model, status: 'in_progress', output: [] };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(
      sse([
        { type: 'response.created', response },
        { type: 'response.output_item.added', output_index: 0, item },
        { type: 'response.output_item.done', output_index: 0, item },
        {
          type: 'response.completed',
          response: { ...response, status: 'completed', output: [item], usage },
        },
      ]),
    );
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method === 'POST' && path === '/v1/responses') return answer(req, res, raw);
      otherRoutes.push(`${req.method} ${req.url}`);
      if (req.method === 'GET' && path.startsWith('/v1/models'))
        return json(res, 200, { object: 'list', data: [] });
      json(res, 404, { error: { type: 'not_found', message: `no route ${path}` } });
    })().catch((err: unknown) => json(res, 500, { error: { type: 'server_error', message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    calls,
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
