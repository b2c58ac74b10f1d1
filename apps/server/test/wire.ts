/** Requests over real sockets with whatever headers an attacker chooses (Host and Origin included). */
import { type IncomingHttpHeaders, request, STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';
import WebSocket from 'ws';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection, headers exactly as given (a `host` header replaces the real one). */
export function rawRequest(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A WebSocket upgrade with the given headers: opened, or the status and body of the refusal. */
export function wsUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<{ opened: boolean; status: number | null; body: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true, status: 101, body: '' });
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      res.on('end', () => {
        resolve({ opened: false, status: res.statusCode ?? null, body });
        ws.terminate();
      });
      res.on('error', () => resolve({ opened: false, status: res.statusCode ?? null, body }));
    });
    ws.on('error', () => resolve({ opened: false, status: null, body: '' }));
  });
}

/** Asserts the one error form: `{ statusCode, error, message }`, the message matching `message`. */
export function expectErrorForm(status: number, body: string, message: RegExp): void {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  expect(Object.keys(parsed).sort(), body).toEqual(['error', 'message', 'statusCode']);
  expect(parsed.statusCode, body).toBe(status);
  expect(parsed.error, body).toBe(STATUS_CODES[status]);
  expect(typeof parsed.message === 'string' && parsed.message.length > 0, body).toBe(true);
  expect(parsed.message, body).toMatch(message);
}

/** A raw TCP connection that writes `data` (if any) and records what comes back and when it was closed. */
export interface OpenSocket {
  socket: Socket;
  received: () => string;
  /** Resolves with the ms from connect to close once the server closed it. */
  closed: Promise<number>;
  isClosed: () => boolean;
}

export function openSocket(port: number, data?: string): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = '';
    let isClosed = false;
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<number>((r) =>
      socket.on('close', () => {
        isClosed = true;
        r(Date.now() - started);
      }),
    );
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.once('connect', () => {
      if (data) socket.write(data);
      resolve({ socket, received: () => received, closed, isClosed: () => isClosed });
    });
    socket.once('error', reject);
  });
}

/** `closed`, or a rejection naming the socket once `ms` passed with it still open. */
export function closedWithin(s: OpenSocket, ms: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: still open after ${ms} ms`)), ms);
    s.closed.then((elapsed) => {
      clearTimeout(t);
      resolve(elapsed);
    });
  });
}
