/**
 * kill-loop: the server under load from real hook-script writers (spool) and HTTP senders (POST /api/hooks), is
 * SIGKILLed at random moments and restarted each time. At the end, with the load stopped and everything
 * drained, lost and duplicated events are counted in SQLite against what was sent: for the hook writers every
 * hook process that exited 0; for HTTP every event that got a 202 (a sender retries an event, same envelope and
 * same client id `id`, until it gets one; events that never got one are reported).
 *
 * A retry probe follows: the same envelope (same `id`) POSTed twice to a live server, and the same batch twice,
 * must each be stored once: what a client that timed out does.
 */
import type http from 'node:http';
import {
  countStored,
  envelope,
  HookWriters,
  KeyedLoad,
  keepAliveAgent,
  makeDataDir,
  postJson,
  Report,
  releaseDataDir,
  reportTally,
  requireCleanStop,
  runId,
  type ScenarioOptions,
  type ScenarioResult,
  ServerProcess,
  sampleRss,
  sleep,
  spoolBacklog,
  tally,
  waitUntil,
} from './harness.js';

/**
 * HTTP senders: each sends one event after another and retries it (same envelope) until it gets a 202, with a
 * short pause after a failure or while no server runs. `url()` is the current server's address (null: down).
 */
export class HttpSenders extends KeyedLoad {
  readonly acked = new Set<string>();
  /** Events that never got a 202 before the senders gave up. */
  readonly unanswered = new Set<string>();
  attempts = 0;
  retries = 0;
  /** Answers other than 202, by status (0: no answer). */
  readonly statuses = new Map<number, number>();
  private giveUpAt = Number.POSITIVE_INFINITY;
  private readonly agent: http.Agent;

  constructor(
    private readonly url: () => string | null,
    concurrency: number,
    prefix: string,
  ) {
    super(prefix, concurrency);
    this.agent = keepAliveAgent(concurrency);
  }

  protected async send(key: string, sessionId: string): Promise<void> {
    const body = envelope(key, sessionId);
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > this.giveUpAt) {
        this.unanswered.add(key);
        return;
      }
      const base = this.url();
      if (!base) {
        await sleep(20);
        continue;
      }
      this.attempts += 1;
      if (attempt > 0) this.retries += 1;
      const answer = await postJson(base, this.agent, '/api/hooks', body, 5000);
      if (answer.status === 202) {
        this.acked.add(key);
        return;
      }
      this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
      await sleep(20 + Math.random() * 30);
    }
  }

  /** Stops sending new events; retries of events in flight go on until `graceMs` has passed. */
  async stop(graceMs: number): Promise<void> {
    this.giveUpAt = Date.now() + graceMs;
    await this.halt();
    this.agent.destroy();
  }
}

export async function killLoop(opts: ScenarioOptions): Promise<ScenarioResult> {
  const report = new Report('kill-loop', opts);
  const kills = opts.quick ? 3 : 10;
  const run = runId();
  const data = makeDataDir('kill');
  let server: ServerProcess | null = await ServerProcess.start(data.dir);
  let current: ServerProcess | null = server;
  const rss = sampleRss(() => (current?.alive ? current.pid : null));
  const writers = new HookWriters(data.spool, opts.quick ? 3 : 4, `${run}-w`).start();
  const senders = new HttpSenders(() => (current?.alive ? current.url : null), 8, `${run}-h`).start();
  let unexpectedExits = 0;
  try {
    for (let i = 0; i < kills; i++) {
      await sleep(300 + Math.random() * 1200);
      if (!server.alive) unexpectedExits += 1;
      current = null;
      await server.kill();
      // Sometimes the next server starts at once, sometimes after a pause full of spooled events.
      await sleep(Math.random() * 400);
      server = await ServerProcess.start(data.dir);
      current = server;
    }
    await sleep(500);
    await writers.stop();
    await senders.stop(30_000);
    const drained = await waitUntil(() => spoolBacklog(data.spool) === 0, 60_000, 100);
    report.require(drained, `the spool still held ${spoolBacklog(data.spool)} records after 60 s`);

    // Retry probe: a client that timed out sends the same event again (same id), single and batched.
    const agent = keepAliveAgent(2);
    const single = envelope(`${run}-p0`, `${run}-probe`);
    const batch = { envelopes: [1, 2, 3].map((n) => envelope(`${run}-p${n}`, `${run}-probe`)) };
    const probeStatuses: number[] = [];
    for (let i = 0; i < 2; i++) {
      probeStatuses.push((await postJson(server.url, agent, '/api/hooks', single)).status);
      probeStatuses.push((await postJson(server.url, agent, '/api/hooks/batch', batch)).status);
    }
    agent.destroy();
    report.require(
      probeStatuses.every((s) => s === 202),
      `retry probe answers ${probeStatuses.join(', ')} (expected 202)`,
    );

    await requireCleanStop(report, server);
    rss.stop();

    report.set('kills', kills);
    report.set('unexpected server exits', unexpectedExits);
    report.require(unexpectedExits === 0, `${unexpectedExits} servers exited on their own`);
    report.set('hook processes exited 0', writers.written.size);
    report.set('hook processes failed', writers.failed);
    report.set('HTTP events acknowledged (202)', senders.acked.size);
    report.set('HTTP events never acknowledged', senders.unanswered.size);
    report.set('HTTP attempts', senders.attempts);
    report.set('HTTP retries', senders.retries);
    report.set(
      'HTTP non-202 answers',
      [...senders.statuses].map(([s, n]) => `${s === 0 ? 'none' : s}×${n}`).join(' ') || 'none',
    );
    report.set('max RSS MB', rss.max);
    report.require(senders.unanswered.size === 0, `${senders.unanswered.size} HTTP events never got a 202`);
    report.require(!senders.statuses.has(500), `HTTP answered 500 ${senders.statuses.get(500)} times`);

    reportTally(report, 'hook writers', tally(writers.written, countStored(data.dbFile, `${run}-w`)));
    reportTally(report, 'HTTP', tally(senders.acked, countStored(data.dbFile, `${run}-h`)));
    reportTally(
      report,
      'retry probe',
      tally(
        [0, 1, 2, 3].map((n) => `${run}-p${n}`),
        countStored(data.dbFile, `${run}-p`),
      ),
    );
  } finally {
    rss.stop();
    await writers.stop();
    await senders.stop(0);
    await server?.kill();
    releaseDataDir(report, data, opts);
  }
  return report.done();
}
