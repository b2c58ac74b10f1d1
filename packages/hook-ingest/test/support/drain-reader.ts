/**
 * A spool reader in its own process, for tests whose defect would block or exhaust the process (a FIFO opened
 * for reading, /dev/zero read to the end): starts a reader on <spool>, drains once, prints one JSON line
 * `{ ids, stats }` and exits. argv: <spool>
 */
import { createSpoolReader } from '../../src/index.js';

const [spool] = process.argv.slice(2) as [string];
const ids: string[] = [];
const reader = createSpoolReader({
  dir: spool,
  onBatch: (batch) => {
    for (const r of batch) ids.push(r.id);
  },
});
reader.start();
await reader.drain();
await reader.stop();
process.stdout.write(`${JSON.stringify({ ids, stats: reader.stats() })}\n`);
process.exit(0);
