/**
 * poisoned: a record that cannot be stored must be set aside with its reason, and never take its neighbours
 * with it.
 *
 * 1. Spool: with the server stopped, three ordinary events through the real hook script, then one payload nested
 *    5,000 levels deep (about 10 KB), then three more; the server starts: the six ordinary events are stored
 *    exactly once and the poisoned record is in `<spool>/rejected/` with a reason.
 * 2. HTTP: a batch (`POST /api/hooks/batch`) holding the poisoned envelope amid good ones, sent while unrelated
 *    single events are POSTed at the same moment, then sent again (a client's retry): no 500, every unrelated
 *    event answered 202 and stored once, no good event of the batch stored twice (and each once when the batch
 *    was accepted).
 */
import {
  countStored,
  deepArray,
  envelope,
  JSON_HEADERS,
  keepAliveAgent,
  makeDataDir,
  postJson,
  Report,
  rejectedRecords,
  releaseDataDir,
  reportTally,
  request,
  requireCleanStop,
  runHook,
  runId,
  type ScenarioOptions,
  type ScenarioResult,
  ServerProcess,
  spoolBacklog,
  tally,
  waitUntil,
} from './harness.js';

export const POISON_DEPTH = 5000;

export async function poisoned(opts: ScenarioOptions): Promise<ScenarioResult> {
  const report = new Report('poisoned', opts);
  const run = runId();
  const data = makeDataDir('poison');
  let server: ServerProcess | null = null;
  try {
    // 1. the spool
    const ordinary: string[] = [];
    const hook = async (key: string) => {
      const code = await runHook(
        data.spool,
        JSON.stringify({ session_id: 'A', hook_event_name: 'UserPromptSubmit', prompt: key, fault_key: key }),
      );
      if (code === 0) ordinary.push(key);
    };
    for (let i = 0; i < 3; i++) await hook(`${run}-s${i}`);
    const poison = `{"session_id":"B","hook_event_name":"UserPromptSubmit","x":${deepArray(POISON_DEPTH)}}`;
    const poisonCode = await runHook(data.spool, poison);
    for (let i = 3; i < 6; i++) await hook(`${run}-s${i}`);
    report.require(poisonCode === 0 && ordinary.length === 6, 'the hook script failed to write a record');
    report.set('spooled records before start', spoolBacklog(data.spool));

    server = await ServerProcess.start(data.dir);
    const drained = await waitUntil(() => spoolBacklog(data.spool) === 0, 20_000, 50);
    report.require(drained, `${spoolBacklog(data.spool)} records still in the spool after 20 s`);
    const rejected = rejectedRecords(data.spool);
    const poisonRejected = rejected.filter((r) => r.body.includes('"session_id":"B"'));
    report.set('records in rejected/', rejected.length);
    report.set('poisoned record in rejected/', poisonRejected.length);
    report.set('its reason', poisonRejected[0]?.reason ?? 'none');
    report.require(poisonRejected.length === 1, 'the poisoned record is not in rejected/');
    report.require(
      poisonRejected.every((r) => r.reason !== null && r.reason.length > 0),
      'the poisoned record has no reason next to it',
    );
    report.require(
      rejected.length === poisonRejected.length,
      `${rejected.length - poisonRejected.length} ordinary records were rejected`,
    );

    // 2. HTTP: the poisoned envelope in a batch, unrelated single events at the same moment, then a retry.
    const agent = keepAliveAgent(32);
    const good = [0, 1, 2, 3].map((n) => envelope(`${run}-b${n}`, `${run}-batch`));
    // Spliced in as text: JSON.stringify itself overflows the stack on 5,000 levels.
    const bad = `{"cli":"claude","id":"${run}-bad","payload":${poison},"meta":{}}`;
    const batchBody = `{"envelopes":[${[good[0], good[1]].map((e) => JSON.stringify(e)).join(',')},${bad},${[good[2], good[3]].map((e) => JSON.stringify(e)).join(',')}]}`;
    const sendBatch = () =>
      request(server!.url, agent, { path: '/api/hooks/batch', headers: JSON_HEADERS, body: batchBody });
    const singles = Array.from({ length: 20 }, (_, n) =>
      envelope(`${run}-u${n}`, `${run}-unrelated${n % 4}`),
    );
    const first = await Promise.all([
      sendBatch(),
      ...singles.map((e) => postJson(server!.url, agent, '/api/hooks', e)),
    ]);
    const retry = await sendBatch();
    agent.destroy();
    const batchStatuses = [first[0]!.status, retry.status];
    const singleStatuses = first.slice(1).map((a) => a.status);
    report.set('batch answers (first, retry)', batchStatuses.join(', '));
    report.set('batch answer body', first[0]!.body.slice(0, 200));
    report.set('unrelated single answers not 202', singleStatuses.filter((s) => s !== 202).length);
    report.require(
      batchStatuses.every((s) => s > 0 && s < 500),
      `the batch with a poisoned envelope was answered ${batchStatuses.join(', ')}`,
    );
    report.require(
      singleStatuses.every((s) => s === 202),
      `unrelated requests failed: ${singleStatuses.filter((s) => s !== 202).join(', ')}`,
    );

    await requireCleanStop(report, server);
    reportTally(report, 'spool ordinary', tally(ordinary, countStored(data.dbFile, `${run}-s`)));
    reportTally(
      report,
      'unrelated singles',
      tally(
        singles.map((e) => e.id),
        countStored(data.dbFile, `${run}-u`),
      ),
    );
    // The batch's good events: never twice; all of them once when either answer accepted the batch.
    const accepted = batchStatuses.includes(202);
    const batchStored = countStored(data.dbFile, `${run}-b`);
    const t = tally(accepted ? good.map((e) => e.id) : [], batchStored);
    report.set('batch good events stored rows', t.storedRows);
    report.set('batch good events duplicated', t.duplicated);
    report.require(t.duplicated === 0, `the batch's retry duplicated ${t.duplicated} events`);
    report.require(t.lost === 0, `the accepted batch lost ${t.lost} good events`);
  } finally {
    await server?.kill();
    releaseDataDir(report, data, opts);
  }
  return report.done();
}
