/**
 * Records `fixtures/codex-<version>/approval-allowed-from-api/`: Codex's TUI under tmux (approval policy
 * `on-request`, read-only sandbox), the model asking to run `touch approved-by-flightdeck.txt` outside the sandbox,
 * Flightdeck's held PermissionRequest hook answered `allow` through `approvals.decide`, the answer, then the tmux
 * server killed. The hook envelopes are read back from the server's `hook_events` table (the server consumed the
 * spool), in arrival order.
 *
 *   npx tsx apps/server/test/record-codex-approval.ts <fixtures-dir>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@flightdeck/db';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import { CODEX_VERSION, prepareCodexHome } from './agent-cli.js';
import { startCodexInTmux } from './codex-tmux.js';
import { startTestServer, trpcClient, waitFor } from './helpers.js';
import { writeRecording } from './recording.js';

const [fixtures] = process.argv.slice(2);
if (!fixtures) {
  console.error('usage: record-codex-approval.ts <fixtures-dir>');
  process.exit(2);
}
const root = mkdtempSync(join(tmpdir(), 'fd-record-'));
const dataDir = join(root, 'data');
const api = await startFakeOpenAi((ctx) =>
  ctx.lastToolOutput === null
    ? { kind: 'shell', command: 'touch approved-by-flightdeck.txt', escalate: true }
    : { kind: 'text', text: 'Touched.' },
);
const h = await prepareCodexHome({
  root,
  dataDir,
  apiUrl: api.url,
  approvals: { policy: 'on-request', sandbox: 'read-only' },
});
const server = await startTestServer({ dataDir });
const { client, close } = trpcClient(server.url as string);
const codex = await startCodexInTmux(h, 'touch a file');
try {
  const pending = await waitFor(
    async () => (await client.approvals.list.query()).find((a) => a.cli === 'codex'),
    30_000,
    100,
  );
  await client.approvals.decide.mutate({ id: pending.id, behavior: 'allow' });
  await waitFor(
    async () =>
      (await client.sessions.get.query({ sessionId: pending.sessionId })).status === 'waiting' || null,
    30_000,
    100,
  );
  await codex.stop();
  await new Promise((r) => setTimeout(r, 3000));
} finally {
  await codex.stop();
  close();
  await server.close();
  await api.close();
}
const db = await openSqlite({ file: join(dataDir, 'flightdeck.db') });
const rows = await db.db.selectFrom('hook_events').select(['cli', 'payload', 'meta']).orderBy('id').execute();
await db.close();
const envelopes = rows.map((r) => ({
  cli: r.cli,
  payload: JSON.parse(String(r.payload)) as Record<string, unknown>,
  meta: JSON.parse(String(r.meta)) as Record<string, unknown>,
}));
writeRecording(join(fixtures, `codex-${CODEX_VERSION}`, 'approval-allowed-from-api'), h, envelopes);
rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
console.log(`codex approval: ${envelopes.map((e) => e.payload.hook_event_name).join(' ')}`);
