/**
 * Writes a recorded situation as a fixture: `hooks.jsonl` (every hook envelope `{cli, payload, meta}` in arrival
 * order) and the session file(s) the CLI wrote (`session.jsonl`, or `session-N.jsonl` when there are several), with
 * this machine's paths rewritten to `/home/dev/...`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentHome } from './agent-cli.js';

export function writeRecording(out: string, h: AgentHome, envelopes: Array<Record<string, unknown>>): void {
  const pairs: Array<[string, string]> = [
    [h.project, '/home/dev/project'],
    [h.dataDir, '/home/dev/.flightdeck'],
    [h.home, '/home/dev'],
    [h.root, '/home/dev'],
  ];
  const clean = (text: string) => pairs.reduce((t, [from, to]) => t.split(from).join(to), text);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'hooks.jsonl'), `${envelopes.map((e) => clean(JSON.stringify(e))).join('\n')}\n`);
  const paths = envelopes.map((e) => (e.payload as Record<string, unknown>).transcript_path);
  const sessionFiles = [...new Set(paths.filter((p) => typeof p === 'string'))] as string[];
  sessionFiles.forEach((path, i) => {
    if (!existsSync(path)) return;
    const name = sessionFiles.length > 1 ? `session-${i + 1}.jsonl` : 'session.jsonl';
    writeFileSync(join(out, name), clean(readFileSync(path, 'utf8')));
  });
}
