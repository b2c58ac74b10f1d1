import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from './support/spool.js';
import { runWriters, writePads } from './support/writers.js';

const CHILD = fileURLToPath(new URL('./support/crash-reader.ts', import.meta.url));
const PKG = fileURLToPath(new URL('..', import.meta.url));

function startReader(spool: string, log: string, delayMs: number, mode: 'run' | 'until-empty'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, spool, log, String(delayMs), mode], {
    cwd: PKG,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function waitForLine(child: ChildProcess, prefix: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.split('\n').some((l) => l.startsWith(prefix))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (!buf.split('\n').some((l) => l.startsWith(prefix))) reject(new Error(`exited before "${prefix}"`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', () => resolve())));

describe('spool reader killed mid-stream', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => tmp.cleanup());

  it('loses nothing and delivers nothing twice across SIGKILLs between commit and delete', async () => {
    const spool = join(tmp.dir, 'spool');
    const log = join(tmp.dir, 'committed.log');
    const pads = writePads(tmp.dir, [64 * 1024, 300 * 1024]);
    const writers = 6;
    const perWriter = 60;
    const writing = runWriters(spool, { writers, eventsPerWriter: perWriter, bigEvery: 7 }, pads);

    let kills = 0;
    for (let i = 0; i < 4; i++) {
      const child = startReader(spool, log, 300, 'run');
      await waitForLine(child, 'COMMITTED', 30_000);
      child.kill('SIGKILL'); // lands inside the 300 ms between commit and deletion
      await exited(child);
      kills++;
    }
    expect(await writing).toEqual(Array(writers).fill(0));

    const final = startReader(spool, log, 0, 'until-empty');
    await waitForLine(final, 'EMPTY', 60_000);
    await exited(final);

    expect(kills).toBe(4);
    expect(existsSync(log)).toBe(true);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    const ids = lines.map((l) => l.split(' ')[0]);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    expect(lines).toHaveLength(writers * perWriter); // nothing lost
    const bySession = new Map<string, number[]>();
    for (const l of lines) {
      const [, session, seq] = l.split(' ');
      bySession.set(session!, [...(bySession.get(session!) ?? []), Number(seq)]);
    }
    for (const seqs of bySession.values())
      expect(seqs).toEqual(Array.from({ length: perWriter }, (_, i) => i));
  }, 120_000);
});
