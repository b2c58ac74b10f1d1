/**
 * `POST /api/hosts/report` (issue 19): a host's forwarder reports its metrics and the liveness of its agents' PIDs,
 * with its host token (no other credential: the host is the token's). Body: `HostReport` (shared-types), checked
 * at the edge; 400 names the field. Answers 202 `{ ok: true, ended }` (sessions ended because their PID is gone).
 */
import { HOOK_AUTH_CHALLENGE, type RateLimiter } from '@flightdeck/hook-ingest';
import { hostReportSchema } from '@flightdeck/shared-types';
import type { FastifyInstance } from 'fastify';
import { httpError } from '../http-errors.js';
import type { HostsService } from './service.js';

export const HOST_REPORT_PATH = '/api/hosts/report';

export const hostReportErrors = {
  notHost:
    'host token required: host reports are sent by `flightdeck forward` with its host token (`flightdeck hosts add <name>`)',
} as const;

export function registerHostReportRoute(
  app: FastifyInstance,
  hosts: HostsService,
  limiter: RateLimiter,
): void {
  app.post<{ Body: unknown }>(
    HOST_REPORT_PATH,
    {
      bodyLimit: 2 * 1024 * 1024,
      onRequest: (request, reply, done) => {
        const who = hosts.tokens.resolve(request.headers);
        if (who.kind !== 'host') {
          httpError(reply, 401, who.kind === 'refused' ? who.error : hostReportErrors.notHost, {
            'www-authenticate': HOOK_AUTH_CHALLENGE,
          });
          return;
        }
        if (!limiter.hit(request.ip, Date.now()).allowed) {
          httpError(reply, 429, 'too many host reports: slow down');
          return;
        }
        done();
      },
    },
    async (request, reply) => {
      const who = hosts.tokens.resolve(request.headers);
      if (who.kind !== 'host') return httpError(reply, 401, hostReportErrors.notHost);
      const parsed = hostReportSchema.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.map(String).join('.') || 'body';
        return httpError(reply, 400, `${field}: ${issue?.message ?? 'invalid host report'}`);
      }
      const { ended } = await hosts.report(who.host, parsed.data, Date.now());
      return reply.code(202).send({ ok: true, ended });
    },
  );
}
