/**
 * Every HTTP error the server answers outside tRPC has one form, `{ statusCode, error, message }` (see
 * `httpErrorBody` of @flightdeck/hook-ingest): the status, its reason phrase and a message naming the problem.
 * tRPC procedures keep tRPC's own error envelope, which its clients read.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { httpErrorJson, UNPARSABLE_JSON } from '@flightdeck/hook-ingest';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Answers `statusCode` with `{ statusCode, error, message }`; `headers` are set first (e.g. `Retry-After` on a
 * 429). Returns the reply, so a handler can `return httpError(reply, 400, 'envelopes: expected an array')`.
 */
export function httpError(
  reply: FastifyReply,
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.code(statusCode).type(JSON_TYPE).send(httpErrorJson(statusCode, message));
}

/** `POST /api/hooks/batch`: the method and path of a request, without its query. */
export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.url.split('?')[0] ?? ''}`;
}

/** What a client-side error raised by Fastify itself (body parsing, limits) says. */
function clientErrorMessage(error: FastifyError, request: FastifyRequest): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const type = request.headers['content-type'];
      return `${routeOf(request)} takes application/json, got ${type ? type : 'no content type'}`;
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `${routeOf(request)}: body larger than ${request.routeOptions.bodyLimit ?? 'the limit of'} bytes`;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `${routeOf(request)}: body is empty but content-type is application/json`;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `${routeOf(request)}: ${UNPARSABLE_JSON}`;
  }
  if (error instanceof SyntaxError) return `${routeOf(request)}: body is not valid JSON: ${error.message}`;
  return `${routeOf(request)}: ${error.message || 'bad request'}`;
}

/** `app.setErrorHandler`: 4xx name the problem; anything else is logged and answered as an internal error. */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return httpError(reply, status, clientErrorMessage(error, request));
  request.log.error({ err: error, url: request.url }, 'request failed');
  return httpError(reply, 500, `${routeOf(request)}: internal error`);
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before any route sees them (malformed,
 * headers too large, not complete within the timeouts), answered in the same form, and the socket closed.
 */
export function clientErrorHandler(timeouts: {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}): (err: NodeJS.ErrnoException, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let message = `malformed HTTP request (${err.code ?? err.message})`;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = `request not received in time: headers within ${timeouts.headersTimeoutMs} ms, the whole request within ${timeouts.requestTimeoutMs} ms`;
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      message = 'request headers larger than the server accepts';
    }
    if (socket.writable) {
      const body = httpErrorJson(status, message);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${JSON_TYPE}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
