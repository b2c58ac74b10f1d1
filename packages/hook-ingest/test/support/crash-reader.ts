/**
 * A spool reader in its own process, committing to an append-only log file (fsync'd), for crash tests.
 * argv: <spool> <log> <postCommitDelayMs> <mode: run|until-empty>
 * After each commit it prints `COMMITTED <n>` and then waits `postCommitDelayMs` before returning, which
 * widens the window between commit and file deletion (where a SIGKILL must not cause a redelivery).
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { createSpoolReader } from '../../src/index.js';

const [spool, log, delayArg, mode] = process.argv.slice(2) as [string, string, string, string];
const delay = Number(delayArg);

function committedIds(): Set<string> {
  if (!existsSync(log)) return new Set();
  return new Set(
    readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[0]!),
  );
}

const reader = createSpoolReader({
  dir: spool,
  maxBatch: 20,
  pollMs: 20,
  isDelivered: (ids) => {
    const done = committedIds();
    return new Set(ids.filter((id) => done.has(id)));
  },
  onBatch: (batch) => {
    const lines = batch
      .map((r) => `${r.id} ${String(r.envelope.payload.session_id)} ${String(r.envelope.payload.seq)}\n`)
      .join('');
    const fd = openSync(log, 'a');
    writeSync(fd, lines);
    fsyncSync(fd);
    closeSync(fd);
    process.stdout.write(`COMMITTED ${batch.length}\n`);
    const until = Date.now() + delay;
    while (Date.now() < until) {
      // busy: the process is "between commit and delete"
    }
  },
});

if (mode === 'until-empty') {
  for (;;) {
    await reader.drain();
    if (readdirSync(spool).filter((f) => f.endsWith('.rec')).length === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write('EMPTY\n');
} else {
  reader.start();
  setInterval(() => {}, 1000);
}
