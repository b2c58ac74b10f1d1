// Starts the database writer thread from the TypeScript sources (tests, `pnpm dev`): registers tsx in this
// worker, then loads the writer. The production bundle starts `dist/db-writer.mjs` directly instead.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);
