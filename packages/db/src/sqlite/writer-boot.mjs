// Starts the SQLite writer thread from the TypeScript sources (tests, `pnpm dev`): registers tsx in this worker,
// then loads the writer. A production bundle passes its own `db-writer.mjs` instead (`writerThread.script`).
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
