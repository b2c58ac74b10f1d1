// WAL checkpoints off the main thread: a second SQLite connection in a worker runs PASSIVE checkpoints, so
// commits on the server's event loop never wait for the WAL to be copied into the database and synced.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const { dbFile, dbEntry, intervalMs } = workerData;
const Database = createRequire(dbEntry)('better-sqlite3');
const db = new Database(dbFile);
db.pragma('busy_timeout = 5000');

function checkpoint(mode) {
  try {
    db.pragma(`wal_checkpoint(${mode})`);
  } catch (err) {
    parentPort?.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
}

const timer = setInterval(() => checkpoint('PASSIVE'), intervalMs);
parentPort?.on('message', (msg) => {
  if (msg === 'stop') {
    clearInterval(timer);
    checkpoint('PASSIVE');
    db.close();
    parentPort?.close();
  }
});
