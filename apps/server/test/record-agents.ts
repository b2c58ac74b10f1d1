/**
 * Records what the real Codex and Gemini CLIs emit into `fixtures/codex-<version>/<situation>/` and
 * `fixtures/gemini-cli-<version>/<situation>/`: every hook envelope (`hooks.jsonl`, in spool order, as the spool
 * reader delivers them) and the session file the CLI wrote (Codex rollout, Gemini chat), with this machine's paths
 * rewritten to `/home/dev/...`.
 *
 *   npx tsx apps/server/test/record-agents.ts codex|gemini <fixtures-dir>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSpoolReader, type SpoolRecord } from '@flightdeck/hook-ingest';
import { startFakeGemini } from '../../../packages/hook-ingest/test/support/fake-gemini.js';
import { startFakeOpenAi } from '../../../packages/hook-ingest/test/support/fake-openai.js';
import {
  type AgentHome,
  CODEX_VERSION,
  GEMINI_VERSION,
  prepareCodexHome,
  prepareGeminiHome,
  type RunResult,
  runCodexExec,
  runGeminiPrompt,
} from './agent-cli.js';
import { TWO_TURNS, twoTurnScript } from './agent-script.js';
import { writeRecording } from './recording.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recorder {
  dir: string;
  start(root: string, dataDir: string): Promise<{ h: AgentHome; close(): Promise<void> }>;
  run(h: AgentHome, prompt: string, resume: boolean): Promise<RunResult>;
}

const RECORDERS: Record<string, Recorder> = {
  codex: {
    dir: `codex-${CODEX_VERSION}`,
    async start(root, dataDir) {
      const api = await startFakeOpenAi(twoTurnScript((ctx) => ctx.lastUserText));
      const h = await prepareCodexHome({ root, dataDir, apiUrl: api.url });
      return { h, close: () => api.close() };
    },
    run: (h, prompt, resume) => runCodexExec(h, prompt, { resume }),
  },
  gemini: {
    dir: `gemini-cli-${GEMINI_VERSION}`,
    async start(root, dataDir) {
      const api = await startFakeGemini(twoTurnScript((ctx) => ctx.userTexts.at(-1) ?? ''));
      const h = await prepareGeminiHome({ root, dataDir, apiUrl: api.url });
      return { h, close: () => api.close() };
    },
    run: (h, prompt, resume) => runGeminiPrompt(h, prompt, { resume }),
  },
};

async function record(which: string, recorder: Recorder, fixtures: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fd-record-'));
  const dataDir = join(root, 'data');
  const records: SpoolRecord[] = [];
  const { h, close } = await recorder.start(root, dataDir);
  const reader = createSpoolReader({
    dir: join(dataDir, 'spool'),
    pollMs: 50,
    onBatch: (b) => void records.push(...b),
  });
  try {
    reader.start();
    for (const [i, turn] of TWO_TURNS.entries()) {
      const r = await recorder.run(h, turn.prompt, i > 0);
      if (r.code !== 0 || !r.out.includes(turn.answer)) throw new Error(`${which} turn ${i + 1}: ${r.out}`);
    }
    await sleep(1500);
  } finally {
    reader.stop();
    await close();
  }
  writeRecording(
    join(fixtures, recorder.dir, 'two-turns'),
    h,
    records.map((r) => r.envelope as unknown as Record<string, unknown>),
  );
  rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  console.log(`${which}: ${records.map((r) => r.envelope.payload.hook_event_name).join(' ')}`);
}

const [which, fixtures] = process.argv.slice(2);
const recorder = which ? RECORDERS[which] : undefined;
if (!recorder || !fixtures) {
  console.error(`usage: record-agents.ts <${Object.keys(RECORDERS).join('|')}> <fixtures-dir>`);
  process.exit(2);
}
await record(which as string, recorder, fixtures);
