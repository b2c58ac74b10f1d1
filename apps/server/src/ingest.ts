/**
 * Wiring of @flightdeck/hook-ingest into the server: the HTTP route (and a batch route), the spool reader and hook
 * statistics (the hook installers: hooks-admin.ts).
 */
import { randomBytes } from 'node:crypto';
import {
  createHookStats,
  createRateLimiter,
  createSpoolReader,
  DEFAULT_HOOK_RATE_LIMIT,
  HOOK_AUTH_CHALLENGE,
  type HookStats,
  hookErrors,
  hookIngestRoutes,
  type RateLimiter,
  retryAfterSeconds,
  type SpoolRecord,
  validateEnvelope,
} from '@flightdeck/hook-ingest';
import { type HookEnvelope, hookEventName } from '@flightdeck/shared-types';
import type { FastifyBaseLogger, FastifyInstance, onRequestHookHandler } from 'fastify';
import {
  HOST_MISMATCH_STATUS,
  hostAdmission,
  hostAwareAuthorizer,
  hostRefusal,
  withTokenHost,
} from './hosts/admission.js';
import { registerHostReportRoute } from './hosts/route.js';
import { httpError } from './http-errors.js';
import type { IngestResult, Runtime } from './runtime.js';
import type { HookStatsPort, Services } from './services.js';

export const MAX_BATCH_ENVELOPES = 1000;

/** An envelope of a batch that was not stored: its index in the batch and why. */
export interface BatchRejection {
  index: number;
  /** What is wrong with it, naming the field (`envelopes.3: payload.session_id: Required`). */
  message: string;
}

/**
 * What hook statistics keep of an event, taken when it arrives: the envelope (the parsed payload) then need not
 * live until its commit, when the processing time is known.
 */
export interface HookStatsKey {
  event: string;
  cli: string;
  sentAt: number | undefined;
}

export function hookStatsKey(envelope: HookEnvelope): HookStatsKey {
  return {
    event: hookEventName(envelope.payload) ?? 'unknown',
    cli: envelope.cli,
    sentAt: envelope.meta.sentAt,
  };
}

export interface HookStatsService extends HookStatsPort {
  record(key: HookStatsKey, receivedAt: number, processedMs: number): void;
}

export function createHookStatsPort(): HookStatsService {
  const stats: HookStats = createHookStats();
  return {
    record(key, receivedAt, processedMs) {
      stats.record({
        event: key.event,
        cli: key.cli,
        ...(key.sentAt !== undefined ? { sentAt: key.sentAt } : {}),
        receivedAt,
        processedMs,
      });
    },
    snapshot: () => stats.snapshot(Date.now()),
    reset: () => stats.reset(),
  };
}

/** Ids of events that arrive over HTTP: unique and ordered within a server run. */
function httpIdFactory(): () => string {
  const run = randomBytes(4).toString('hex');
  let n = 0;
  return () => `http-${Date.now().toString(36)}-${run}-${(n++).toString(36)}`;
}

function asStatsService(port: HookStatsPort): HookStatsService | null {
  return 'record' in port && typeof port.record === 'function' ? (port as HookStatsService) : null;
}

/**
 * An `onRequest` hook for routes of hook senders (the batch route, the OTLP receiver): the hook token when one is
 * required (401 otherwise), then the per-address rate limit (429), before the body is read.
 */
export function hookSenderGate(
  authorize: (headers: Record<string, string | string[] | undefined>) => string | null,
  limiter: RateLimiter,
): onRequestHookHandler {
  return (request, reply, done) => {
    const refusal = authorize(request.headers);
    if (refusal !== null) {
      httpError(reply, 401, refusal, { 'www-authenticate': HOOK_AUTH_CHALLENGE });
      return;
    }
    const verdict = limiter.hit(request.ip, Date.now());
    if (!verdict.allowed) {
      httpError(reply, 429, hookErrors.rateLimited(limiter.limit), {
        'retry-after': retryAfterSeconds(verdict.retryAfterMs),
      });
      return;
    }
    done();
  };
}

/** Registers the hook routes on `app`: `POST /api/hooks` (from @flightdeck/hook-ingest) and its batch route. */
export async function registerHookIngest(app: FastifyInstance, services: Services): Promise<void> {
  const { runtime } = services;
  const stats = asStatsService(services.hookStats);
  const nextId = httpIdFactory();
  const rateLimitPerSecond = services.config.get().hookRateLimitPerSecond ?? DEFAULT_HOOK_RATE_LIMIT;

  // Not async, and the statistics key taken first: nothing keeps the envelope until the commit.
  const ingestOne = (envelope: HookEnvelope, receivedAt: number) => {
    const started = performance.now();
    const key = stats ? hookStatsKey(envelope) : null;
    return runtime.ingest(envelope, nextId(), receivedAt).then((result) => {
      if (key) stats?.record(key, receivedAt, performance.now() - started);
      return result;
    });
  };

  const hookLimiter = createRateLimiter(rateLimitPerSecond, 1000);
  const onEnvelope = (envelope: HookEnvelope, context: { receivedAt: number }) =>
    ingestOne(envelope, context.receivedAt);
  // With a password set, HTTP hook senders need the hook token (never a login token); a host's forwarder sends its
  // host token and posts its own host's events only (hosts/admission.ts).
  const hosts = services.hosts?.tokens;
  const authorize = hostAwareAuthorizer(hosts, services.auth.hookTokens.authorize);
  const admit = hostAdmission(hosts);
  await app.register(hookIngestRoutes, {
    limiter: hookLimiter,
    onEnvelope,
    authorize,
    ...(admit ? { admit } : {}),
  });

  // POST /api/hooks/batch: `{ envelopes: HookEnvelope[] }` (≤ 1000), for forwarders and load generators.
  // Each envelope is judged alone: the valid ones are stored (once: an envelope with its sender's `id` that was
  // stored before counts as a duplicate), the others are listed with their index and reason. One bad envelope
  // never costs another one, in this request or in any other.
  const limiter = createRateLimiter(rateLimitPerSecond, 1000);
  // POST /api/hosts/report: a host's forwarder reports its metrics and agent PIDs (hosts/route.ts).
  if (services.hosts) registerHostReportRoute(app, services.hosts, limiter);
  app.post<{ Body: unknown }>(
    '/api/hooks/batch',
    {
      bodyLimit: 16 * 1024 * 1024,
      // Before the body is read: an unauthenticated or rate-limited sender never gets 16 MB parsed.
      onRequest: hookSenderGate(authorize, limiter),
    },
    async (request, reply) => {
      const body = request.body as { envelopes?: unknown } | null;
      const list = body && typeof body === 'object' ? body.envelopes : undefined;
      if (!Array.isArray(list)) return httpError(reply, 400, 'envelopes: expected an array');
      if (list.length > MAX_BATCH_ENVELOPES) {
        return httpError(
          reply,
          413,
          `envelopes: at most ${MAX_BATCH_ENVELOPES} per batch, got ${list.length}`,
        );
      }
      // A host token posts its host's events only: one envelope of another host refuses the whole request.
      const who = hosts?.resolve(request.headers);
      if (hosts && who) {
        // Revoked while the body was read: refused all the same.
        if (who.kind === 'refused') return httpError(reply, 401, who.error);
        const refusal = hostRefusal(hosts, who, list, (i) => `envelopes.${i}`);
        if (refusal !== null) return httpError(reply, HOST_MISMATCH_STATUS, refusal);
        if (who.kind === 'host') hosts.seen(who.host, Date.now());
      }
      const rejected: BatchRejection[] = [];
      const valid: Array<{ index: number; envelope: HookEnvelope }> = [];
      for (let i = 0; i < list.length; i++) {
        const checked = validateEnvelope(list[i]);
        if (checked.ok)
          valid.push({ index: i, envelope: who ? withTokenHost(who, checked.envelope) : checked.envelope });
        else rejected.push({ index: i, message: `envelopes.${i}: ${checked.error}` });
      }
      const receivedAt = Date.now();
      const started = performance.now();
      const keys = stats ? valid.map((v) => hookStatsKey(v.envelope)) : [];
      const indexes = valid.map((v) => v.index);
      const committed = runtime.ingestMany(
        valid.map((v) => ({ envelope: v.envelope, ingestId: nextId(), receivedAt })),
      );
      // The parsed body (up to 1,000 envelopes) is the runtime's now: the request need not hold it until the commit.
      valid.length = 0;
      request.body = null;
      const results = await committed;
      let accepted = 0;
      let duplicates = 0;
      const elapsed = performance.now() - started;
      for (let j = 0; j < results.length; j++) {
        const r = results[j] as IngestResult;
        if (r.refused !== undefined) {
          rejected.push({ index: indexes[j] as number, message: `envelopes.${indexes[j]}: ${r.refused}` });
          continue;
        }
        accepted += 1;
        if (r.duplicate) duplicates += 1;
        // Like a single POST: each event's processing time is from its arrival to its commit.
        else if (stats) stats.record(keys[j] as HookStatsKey, receivedAt, elapsed);
      }
      rejected.sort((a, b) => a.index - b.index);
      return reply.code(202).send({ ok: rejected.length === 0, accepted, duplicates, rejected });
    },
  );
}

export interface SpoolHandle {
  stop(): Promise<void>;
  reader: ReturnType<typeof createSpoolReader>;
}

export async function startSpoolReader(opts: {
  dir: string;
  runtime: Runtime;
  log: FastifyBaseLogger;
  hookStats: HookStatsPort;
  pollMs?: number;
}): Promise<SpoolHandle> {
  const stats = asStatsService(opts.hookStats);
  const reader = createSpoolReader({
    dir: opts.dir,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    // No `isDelivered`: `ingestRecords` looks every record up among the stored and staged events itself (an
    // already committed record comes back as a duplicate and its file is deleted), so one query per batch is enough.
    onBatch: (records: SpoolRecord[]) => {
      const started = performance.now();
      // The reader keeps its records until they are committed (it deletes their files then).
      // Records the runtime could not store are set aside (rejected/, with the reason); the rest are deleted.
      return opts.runtime.ingestRecords(records).then((results) => {
        const elapsed = performance.now() - started;
        const setAside: Array<{ id: string; reason: string }> = [];
        for (let i = 0; i < records.length; i++) {
          const r = records[i] as SpoolRecord;
          const refused = results[i]?.refused;
          if (refused !== undefined) setAside.push({ id: r.id, reason: refused });
          else stats?.record(hookStatsKey(r.envelope), r.receivedAt, elapsed);
        }
        return { setAside };
      });
    },
    onError: (error, context) => opts.log.warn({ err: error, context }, 'spool reader'),
  });
  reader.start();
  return {
    reader,
    async stop() {
      // Stops reading, waits for the batches handed to the runtime to commit, releases the spool's lock.
      await reader.stop();
    },
  };
}
