/**
 * The spool-burst writer, in a process of its own so that its work never delays the health prober's
 * measurements: `node --import tsx spool-writer.ts <spool> <key prefix> <backlog> <rate> <seconds>`.
 * Writes `<backlog>` records at once and reports `{type: 'backlog', written}` over IPC; on `{type: 'go'}` writes
 * `<rate>` records/s for `<seconds>` s (whatever is due every 10 ms) and reports `{type: 'done', written}`.
 * Event `i` carries `fault_key` `<prefix><i>`.
 */
import { hookPayload, NodeSpoolWriter } from './harness.js';

const [spool, prefix, backlogArg, rateArg, secondsArg] = process.argv.slice(2);
if (!spool || !prefix || !process.send) {
  console.error(
    'usage (as a child process with IPC): spool-writer.ts <spool> <prefix> <backlog> <rate> <seconds>',
  );
  process.exit(2);
}
const send = process.send.bind(process);
const backlog = Number(backlogArg);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const writer = new NodeSpoolWriter(spool);
let n = 0;
const writeOne = () => {
  writer.write(
    hookPayload(`${prefix}${n}`, `${prefix}s${n % 50}`, {
      hook_event_name: 'PreToolUse',
      tool_name: 'Bash',
      tool_input: { command: `echo ${n}` },
      tool_use_id: `tu-${n}`,
    }),
  );
  n++;
};
while (n < backlog) writeOne();
send({ type: 'backlog', written: n });
process.on('message', async (msg: { type: string }) => {
  if (msg.type !== 'go') return;
  const t0 = performance.now();
  const total = backlog + rate * seconds;
  while (n < total) {
    const due = Math.min(total, backlog + Math.floor(((performance.now() - t0) * rate) / 1000));
    while (n < due) writeOne();
    await new Promise((r) => setTimeout(r, 10));
  }
  send({ type: 'done', written: n, seconds: (performance.now() - t0) / 1000 }, () => process.exit(0));
});
