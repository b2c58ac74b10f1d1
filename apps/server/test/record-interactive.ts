/**
 * Records what the real Claude Code CLI does in interactive mode under tmux, for the fixtures in
 * `fixtures/claude-code-<version>/interactive/<situation>/`: every hook envelope (`hooks.jsonl`, in spool order,
 * as the spool reader delivers them) and the session's transcript(s), with this machine's paths rewritten to
 * `/home/dev/...`.
 *
 *   npx tsx apps/server/test/record-interactive.ts <situation>|all <out-dir>
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createSpoolReader, type SpoolRecord } from '@flightdeck/hook-ingest';
import {
  createHold,
  type Script,
  startFakeAnthropic,
} from '../../../packages/hook-ingest/test/support/fake-anthropic.js';
import {
  backgroundSubagent,
  bash,
  LONG_BUILD,
  NEEDS_APPROVAL,
  SUBAGENT_DONE,
  textReply,
  toolThenText,
} from './claude-situations.js';
import { type ClaudeHome, prepareClaudeHome, startClaudeInTmux, type TmuxClaude } from './claude-tmux.js';
import { waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Situation {
  script: () => Script;
  args?: string[];
  run(c: TmuxClaude, seen: (event: string) => number): Promise<void>;
}

const reached = (seen: (e: string) => number, event: string, n = 1) =>
  waitFor(() => seen(event) >= n, 60_000, 100);

/** One prompt answered with one text, then the end of its turn. */
async function turn(c: TmuxClaude, seen: (e: string) => number, prompt: string, answer: string, n: number) {
  await c.submit(prompt);
  await c.waitForScreen(answer, 60_000);
  await reached(seen, 'Stop', n);
}

const hold = createHold();
const SITUATIONS: Record<string, Situation> = {
  'esc-at-permission-prompt': {
    script: () => toolThenText(NEEDS_APPROVAL, 'After tool.'),
    run: async (c) => {
      await c.submit('please remove scratch.txt');
      await c.waitForScreen(/Do you want to proceed/, 30_000);
      await sleep(1500);
      await c.keys('Escape');
      await sleep(3000);
    },
  },
  'esc-mid-turn': {
    args: ['--allowedTools', 'Bash'],
    script: () => toolThenText(LONG_BUILD, 'Built.'),
    run: async (c, seen) => {
      await c.submit('wait for half a minute');
      await reached(seen, 'PreToolUse');
      await sleep(2500);
      await c.keys('Escape');
      await sleep(3000);
    },
  },
  'esc-while-streaming': {
    script: () => () => ({ kind: 'hold', text: 'Let me think about this at length', hold }),
    run: async (c) => {
      await c.submit('tell me a long story');
      await hold.started;
      await sleep(2500);
      await c.keys('Escape');
      await sleep(3000);
    },
  },
  'long-tool': {
    args: ['--allowedTools', 'Bash(sleep:*)'],
    script: () => toolThenText(bash('sleep 8', 'Wait eight seconds'), 'Slept eight seconds.'),
    run: (c, seen) => turn(c, seen, 'wait for eight seconds', 'Slept eight seconds.', 1),
  },
  clear: {
    script: () => textReply((p) => `Reply to ${p.includes('second') ? 'second' : 'first'}.`),
    run: async (c, seen) => {
      await turn(c, seen, 'first question', 'Reply to first.', 1);
      await c.submit('/clear');
      await reached(seen, 'SessionStart', 2);
      await sleep(1000);
      await turn(c, seen, 'second question', 'Reply to second.', 2);
    },
  },
  subagent: {
    args: ['--allowedTools', 'Bash(sleep:*)', 'Bash(echo:*)', 'Agent', 'Task'],
    script: backgroundSubagent,
    run: (c, seen) => turn(c, seen, 'start a background subagent', SUBAGENT_DONE, 2),
  },
  'api-error-retry': {
    script: (): Script => {
      let n = 0;
      return () =>
        ++n <= 2 ? { kind: 'error', status: 529 } : [{ type: 'text', text: 'Answer after retries.' }];
    },
    run: (c, seen) => turn(c, seen, 'answer despite overload', 'Answer after retries.', 1),
  },
  'api-error-exhausted': {
    script: () => () => ({ kind: 'error', status: 529 }),
    run: async (c, seen) => {
      await c.submit('answer despite overload');
      await reached(seen, 'StopFailure');
    },
  },
  'api-error-fatal': {
    script: () => () => ({
      kind: 'error',
      status: 400,
      errorType: 'invalid_request_error',
      message: 'prompt is too long: 250000 tokens > 200000 maximum',
    }),
    run: async (c, seen) => {
      await c.submit('this one fails');
      await reached(seen, 'StopFailure');
    },
  },
  kill: {
    script: () => textReply(() => 'Here.'),
    run: async (c, seen) => {
      await turn(c, seen, 'say here', 'Here.', 1);
      process.kill(c.pid, 'SIGTERM');
      await reached(seen, 'SessionEnd');
    },
  },
  compact: {
    script: () => textReply((p) => (p.includes('second') ? 'Second answer.' : 'First answer.')),
    run: async (c, seen) => {
      await turn(c, seen, 'first question', 'First answer.', 1);
      await c.submit('/compact');
      await reached(seen, 'PostCompact');
      await sleep(1500);
      await turn(c, seen, 'second question', 'Second answer.', 2);
    },
  },
};

/** Escapes a path the way Claude Code names its project directories. */
const escaped = (p: string) => p.replace(/[^a-zA-Z0-9]/g, '-');

async function record(name: string, situation: Situation, outDir: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'fd-record-'));
  const dataDir = join(root, 'data');
  const api = await startFakeAnthropic(situation.script());
  const records: SpoolRecord[] = [];
  const home: ClaudeHome = await prepareClaudeHome({ root, dataDir, apiUrl: api.url });
  let claude: TmuxClaude | undefined;
  const spool = join(dataDir, 'spool');
  mkdirSync(spool, { recursive: true });
  const reader = createSpoolReader({ dir: spool, pollMs: 50, onBatch: (b) => void records.push(...b) });
  try {
    reader.start();
    claude = await startClaudeInTmux(home, ['--permission-mode', 'default', ...(situation.args ?? [])]);
    const seen = (event: string) =>
      records.filter((r) => r.envelope.payload.hook_event_name === event).length;
    await situation.run(claude, seen);
    await claude.stop(); // the terminal closes: SIGHUP
    await sleep(1500);
  } finally {
    await claude?.stop();
    reader.stop();
    await api.close();
  }
  const pairs: Array<[string, string]> = [
    [home.project, '/home/dev/project'],
    [escaped(home.project), escaped('/home/dev/project')],
    [home.configDir, '/home/dev/.claude'],
    [dataDir, '/home/dev/.flightdeck'],
    [home.home, '/home/dev'],
    [root, '/home/dev'],
  ];
  const clean = (text: string) => pairs.reduce((t, [from, to]) => t.split(from).join(to), text);
  const out = join(outDir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'hooks.jsonl'),
    `${records.map((r) => clean(JSON.stringify(r.envelope))).join('\n')}\n`,
  );
  const transcripts = [
    ...new Set(records.map((r) => r.envelope.payload.transcript_path).filter((p) => typeof p === 'string')),
  ] as string[];
  transcripts.forEach((path, i) => {
    if (!existsSync(path)) return;
    writeFileSync(
      join(out, transcripts.length > 1 ? `transcript-${i + 1}.jsonl` : 'transcript.jsonl'),
      clean(readFileSync(path, 'utf8')),
    );
    const subagents = join(dirname(path), basename(path, '.jsonl'), 'subagents');
    if (!existsSync(subagents)) return;
    for (const f of readdirSync(subagents)) {
      writeFileSync(join(out, `subagent-${f}`), clean(readFileSync(join(subagents, f), 'utf8')));
    }
  });
  rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  console.log(`${name}: ${records.map((r) => r.envelope.payload.hook_event_name).join(' ')}`);
}

const [which, outDir] = process.argv.slice(2);
if (!which || !outDir || (which !== 'all' && !SITUATIONS[which])) {
  console.error(`usage: record-interactive.ts <${Object.keys(SITUATIONS).join('|')}|all> <out-dir>`);
  process.exit(2);
}
for (const [name, situation] of Object.entries(SITUATIONS)) {
  if (which === 'all' || which === name) await record(name, situation, outDir);
}
