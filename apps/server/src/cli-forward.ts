/**
 * `flightdeck forward --to URL --token T [--data-dir DIR] [--report-interval-ms N]`: on a remote machine, ships the events its hooks spool
 * (`flightdeck hooks install --data-dir DIR` makes the hook script write into `DIR/spool`) to a central Flightdeck,
 * exactly once, with the host's token (`flightdeck hosts add <name>` on the central server). Runs until SIGINT or
 * SIGTERM; a SIGKILL loses nothing (records are deleted only once the server acknowledged them). Every 5 s it also
 * reports the host's metrics and its agents' PIDs (`POST /api/hosts/report`).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createForwarder, createHostReporter, forwarderId } from '@flightdeck/hook-ingest';
import { type CliIo, UsageError } from './cli-prompt.js';
import { loadConfig } from './config.js';

/** The environment variable that may carry the token instead of `--token` (kept out of the process list). */
export const HOST_TOKEN_ENV = 'FLIGHTDECK_HOST_TOKEN';

function positiveMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number of ms, got "${value}"`);
  return n;
}

export async function cmdForward(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      to: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      'poll-ms': { type: 'string' },
      'backoff-max-ms': { type: 'string' },
      'report-interval-ms': { type: 'string' },
    },
    strict: true,
  });
  const to = values.to;
  if (!to) throw new UsageError('--to URL is required (the central Flightdeck, e.g. http://10.0.0.1:3333)');
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new UsageError(`--to must be an http(s) URL, got "${to}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--to must be an http(s) URL, got "${to}"`);
  }
  const token = values.token ?? io.env[HOST_TOKEN_ENV];
  if (!token || !/^fdh_[0-9a-f]{64}$/.test(token)) {
    throw new UsageError(
      `--token (or ${HOST_TOKEN_ENV}) must be a host token (fdh_…, from \`flightdeck hosts add <name>\` on the central server)`,
    );
  }
  const pollMs = positiveMs(values['poll-ms'], '--poll-ms');
  const backoffMax = positiveMs(values['backoff-max-ms'], '--backoff-max-ms');
  const reportMs = positiveMs(values['report-interval-ms'], '--report-interval-ms');
  const rc = loadConfig({ dataDir: values['data-dir'] }, io.env);
  const spoolDir = resolve(rc.dataDir, 'spool');
  const warn = (context: string) => (err: unknown) =>
    io.stderr.write(`forward: ${context}: ${err instanceof Error ? err.message : String(err)}\n`);
  // Host reports: metrics and the liveness of the agents whose events the server acknowledged.
  const reporter = createHostReporter({
    dataDir: rc.dataDir,
    url: url.toString(),
    token,
    ...(reportMs !== undefined ? { intervalMs: reportMs } : {}),
    onError: warn('report'),
  });
  const forwarder = createForwarder({
    spoolDir,
    url: url.toString(),
    token,
    forwarderId: forwarderId(rc.dataDir),
    ...(pollMs !== undefined ? { pollMs } : {}),
    ...(backoffMax !== undefined ? { backoff: { minMs: Math.min(250, backoffMax), maxMs: backoffMax } } : {}),
    onShipped: (records) =>
      reporter.track(
        records.flatMap((r) => (r.envelope.meta.pid !== undefined ? [r.envelope.meta.pid] : [])),
      ),
    onError: (err, context) => warn(context)(err),
  });
  forwarder.start();
  reporter.start();
  io.stdout.write(`FLIGHTDECK_FORWARDING ${spoolDir} -> ${url.origin}\n`);
  // Held until the end: the reader's and reporter's timers do not keep the process alive while it stops.
  const keepAlive = setInterval(() => {}, 1 << 30);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  reporter.stop();
  await forwarder.stop();
  clearInterval(keepAlive);
  const s = forwarder.stats();
  io.stdout.write(`forward: stopped; ${s.shipped} record(s) shipped, ${s.duplicates} already stored\n`);
  return 0;
}
