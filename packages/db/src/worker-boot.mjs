// Starts a database writer thread (SQLite's or PostgreSQL's) from the TypeScript sources (tests, `pnpm dev`):
// registers tsx in this worker, then loads the writer. A production bundle passes its own script instead
// (`db-writer.mjs`, `pg-writer.mjs`: `writerThread.script`).
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
