/**
 * A process whose spool reader holds the lock of <spool> and never commits what it reads (its batches stay in
 * flight, their files on disk). Prints `HOLDING <pid>` once it holds the lock. argv: <spool>
 */
import { createSpoolReader } from '../../src/index.js';

const [spool] = process.argv.slice(2) as [string];
const reader = createSpoolReader({ dir: spool, onBatch: () => new Promise(() => {}) });
reader.start();
if (reader.stats().lockedBy !== null) {
  process.stdout.write(`LOCKED-OUT ${reader.stats().lockedBy}\n`);
  process.exit(1);
}
process.stdout.write(`HOLDING ${process.pid}\n`);
setInterval(() => {}, 1000);
