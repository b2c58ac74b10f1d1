/** What the benchmark scripts share: the in-process server's options, the bundle's ready line, a JSON POST. */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import type { configFileSchema as ConfigFileSchema, startServer as StartServer } from '@flightdeck/server';

/**
 * `startServer`'s options for a benchmark: 127.0.0.1 port 0, a file database in `dataDir`, no logger, no built web
 * app, no alert delivery, the transcript follower off; `file` adds config.json settings.
 */
export function benchServerOptions(
  configFileSchema: typeof ConfigFileSchema,
  dataDir: string,
  file: Record<string, unknown> = {},
): Parameters<typeof StartServer>[0] {
  return {
    config: {
      port: 0,
      host: '127.0.0.1',
      debug: false,
      dataDir,
      configPath: join(dataDir, 'config.json'),
      file: configFileSchema.parse({ transcripts: { enabled: false }, ...file }),
    },
    logger: false,
    webDist: null,
    delivery: false,
    transcripts: false,
  };
}

/** The URL `flightdeck start` prints on its `FLIGHTDECK_READY` line; rejects on exit or after `timeoutMs`. */
export function readyUrl(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), timeoutMs);
    const collect = (d: Buffer) => {
      out += d.toString();
      const m = /FLIGHTDECK_READY (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveStart(m[1]);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${out}`));
    });
  });
}

/** POSTs `body` as JSON through `agent`; resolves with the status code once the answer is read. */
export function postJson(agent: http.Agent, url: string, path: string, body: unknown): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(path, url);
  return new Promise((resolvePost, reject) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolvePost(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * `flightdeck start --port 0 --data-dir <dataDir> --no-open` of a server bundle as a child process (stdout piped for
 * its ready line, stderr inherited), node run with `nodeFlags`; resolves with its URL once it is ready.
 */
export async function startBundle(
  bundle: string,
  dataDir: string,
  o: { nodeFlags?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const args = [...(o.nodeFlags ?? []), bundle, 'start', '--port', '0', '--data-dir', dataDir, '--no-open'];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '', ...o.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, url: await readyUrl(child) };
}
