/**
 * outage: real hook-script writers keep writing while no server runs (60 s; quick: 5 s), then the server
 * starts: every record is ingested exactly once, and the time it takes to drain them is reported.
 */
import {
  countStored,
  HookWriters,
  makeDataDir,
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

export async function outage(opts: ScenarioOptions): Promise<ScenarioResult> {
  const report = new Report('outage', opts);
  const outageMs = opts.quick ? 5000 : 60_000;
  const run = runId();
  const data = makeDataDir('outage');
  const writers = new HookWriters(data.spool, 4, `${run}-w`).start();
  let server: ServerProcess | null = null;
  try {
    await sleep(outageMs);
    await writers.stop();
    const backlog = spoolBacklog(data.spool);
    const t0 = performance.now();
    server = await ServerProcess.start(data.dir);
    const readyMs = performance.now() - t0;
    const pid = server.pid;
    const rss = sampleRss(() => pid);
    const drained = await waitUntil(() => spoolBacklog(data.spool) === 0, 120_000, 20);
    const drainMs = performance.now() - t0;
    rss.stop();
    report.set('outage s', outageMs / 1000);
    report.set('hook processes exited 0', writers.written.size);
    report.set('hook processes failed', writers.failed);
    report.set('backlog at start (records)', backlog);
    report.set('server ready after ms', readyMs);
    report.set('backlog drained after ms (from spawn)', drainMs);
    report.set('drain rate events/s (after ready)', backlog / Math.max(0.001, (drainMs - readyMs) / 1000));
    report.set('max RSS MB', rss.max);
    report.require(drained, `${spoolBacklog(data.spool)} records still in the spool after 120 s`);
    await requireCleanStop(report, server);
    reportTally(report, 'hook writers', tally(writers.written, countStored(data.dbFile, `${run}-w`)));
  } finally {
    await writers.stop();
    await server?.kill();
    releaseDataDir(report, data, opts);
  }
  return report.done();
}
