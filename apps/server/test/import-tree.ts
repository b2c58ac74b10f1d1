/**
 * A generated `~/.claude/projects` tree for the history import's tests and bench: real-shaped Claude Code lines
 * (the assistant lines of packages/hook-ingest/test/support/transcript-lines.ts, user prompts and tool calls shaped
 * as in the recorded fixtures) and, optionally, the recorded transcripts themselves.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { assistantLine } from '../../../packages/hook-ingest/test/support/transcript-lines.js';

export const RECORDED_SESSION = 'c9c7f7bc-be3d-4fec-a871-5d943fafe0e1';
const RECORDED_DIR = resolve(import.meta.dirname, '../../../fixtures/claude-code-2.1.328/transcripts');

/** The id of generated session `i` (UUID-shaped). */
export function sessionIdOf(i: number): string {
  const h = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${h}`;
}

/** The word only session `i`'s first prompt holds (for full-text search). */
export function wordOf(i: number): string {
  return `quokka${i}zeta`;
}

function base(id: string, at: Date, cwd: string) {
  return { isSidechain: false, sessionId: id, cwd, timestamp: at.toISOString(), version: '2.1.328' };
}

/** One generated transcript: `turns` turns of a prompt, a Bash call and its result, an answer with usage. */
export function transcriptOf(
  i: number,
  turns: number,
  padBytes = 0,
  start = Date.UTC(2026, 10, 1, 9),
): string {
  const id = sessionIdOf(i);
  const cwd = `/home/dev/work/project-${i % 10}`;
  const lines: string[] = [];
  let t = start + i * 60_000;
  const at = () => {
    t += 1000;
    return new Date(t);
  };
  const pad =
    padBytes > 0
      ? ` ${'lorem ipsum dolor sit amet '.repeat(Math.ceil(padBytes / 27)).slice(0, padBytes)}`
      : '';
  for (let k = 0; k < turns; k++) {
    const prompt = k === 0 ? `please fix ${wordOf(i)} in the parser` : `turn ${k} of session ${i}`;
    lines.push(
      JSON.stringify({
        ...base(id, at(), cwd),
        type: 'user',
        uuid: `p-${i}-${k}`,
        promptId: `pr-${i}-${k}`,
        message: { role: 'user', content: prompt },
      }),
    );
    const toolId = `toolu_${i}_${k}`;
    lines.push(
      JSON.stringify({
        ...base(id, at(), cwd),
        type: 'assistant',
        uuid: `a-${i}-${k}-t`,
        requestId: `req_t_${i}_${k}`,
        message: {
          id: `msg_t_${i}_${k}`,
          model: 'claude-sonnet-4-5',
          role: 'assistant',
          content: [
            { type: 'tool_use', id: toolId, name: 'Bash', input: { command: `ls -la /tmp/${i}/${k}` } },
          ],
          usage: {
            input_tokens: 10,
            output_tokens: 5,
            cache_read_input_tokens: 0,
            cache_creation_input_tokens: 0,
          },
        },
      }),
    );
    lines.push(
      JSON.stringify({
        ...base(id, at(), cwd),
        type: 'user',
        uuid: `r-${i}-${k}`,
        message: {
          role: 'user',
          content: [{ tool_use_id: toolId, type: 'tool_result', content: `total 0${pad}`, is_error: false }],
        },
      }),
    );
    const msg = `msg_${i}_${k}`;
    const line = assistantLine(msg, { in: 100, out: 1, cr: 50 }, 'claude-sonnet-4-5', at()).trimEnd();
    const last = assistantLine(msg, { in: 100, out: 20, cr: 50, m5: 7 }, 'claude-sonnet-4-5', at()).trimEnd();
    // Claude Code writes a message as several lines, each with the usage so far: counted once, the last one wins
    for (const l of [line, last]) {
      const o = JSON.parse(l) as Record<string, unknown>;
      lines.push(JSON.stringify({ ...o, sessionId: id, cwd }));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Tokens one generated turn counts (the last line of its two messages). */
export const TURN_TOKENS = { input: 110, output: 25, cacheRead: 50, cacheWrite: 7 };

/** Writes `n` transcripts under `projects/` (10 project dirs); with `recorded`, the recorded ones too. */
export function writeTree(
  projects: string,
  n: number,
  o: { turns?: number; padBytes?: number; recorded?: boolean } = {},
): { files: number; bytes: number } {
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const dir = join(projects, `-home-dev-work-project-${i % 10}`);
    if (i < 10) mkdirSync(dir, { recursive: true });
    const text = transcriptOf(i, o.turns ?? 2, o.padBytes ?? 0);
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `${sessionIdOf(i)}.jsonl`), text);
  }
  if (o.recorded) {
    const dir = join(projects, '-home-dev-work-demo');
    mkdirSync(dir, { recursive: true });
    cpSync(join(RECORDED_DIR, `${RECORDED_SESSION}.jsonl`), join(dir, `${RECORDED_SESSION}.jsonl`));
    cpSync(join(RECORDED_DIR, RECORDED_SESSION), join(dir, RECORDED_SESSION), { recursive: true });
  }
  return { files: n + (o.recorded ? 2 : 0), bytes };
}
