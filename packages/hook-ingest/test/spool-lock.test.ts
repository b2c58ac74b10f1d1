import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpoolReader, encodeSpoolRecord, formatRecordName, type SpoolRecord } from '../src/index.js';
import { currentBoot, makeTempDir } from './support/spool.js';

const HOLDER = fileURLToPath(new URL('./support/lock-holder.ts', import.meta.url));
const PKG = fileURLToPath(new URL('..', import.meta.url));
const LOCK = '.reader.lock';

function startHolder(spool: string): { child: ChildProcess; holding: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, spool], {
    cwd: PKG,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const holding = new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the holder did not take the lock: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('HOLDING')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`the holder exited: ${out}`)));
  });
  return { child, holding };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one reader per spool directory', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let up = 1000;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    tmp = makeTempDir();
    dir = tmp.dir;
    up = 1000;
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    tmp.cleanup();
  });

  function put(seq: number): string {
    const name = formatRecordName(currentBoot(), ++up, 100 + up);
    writeFileSync(
      join(dir, name),
      encodeSpoolRecord(
        { cli: 'claude', pid: 4242 },
        JSON.stringify({ session_id: 's', hook_event_name: 'Stop', seq }),
      ),
    );
    return name.slice(0, -4);
  }
  const records = () => readdirSync(dir).filter((f) => f.endsWith('.rec'));

  it('a second reader delivers nothing while another process holds the lock, and takes over once it is killed', async () => {
    const { child, holding } = startHolder(dir);
    children.push(child);
    await holding;
    const ids = [put(0), put(1), put(2)];
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, pollMs: 20, healthCheckMs: 50, onBatch: (b) => got.push(...b) });
    reader.start();
    try {
      expect(reader.stats().lockedBy).toBe(child.pid);
      await sleep(600); // a dozen polls and health checks
      expect(got).toEqual([]);
      expect(reader.stats().lockedBy).toBe(child.pid);
      expect(records()).toHaveLength(3); // read by the holder, never committed: still on disk

      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const deadline = Date.now() + 15_000;
      while (got.length < 3 && Date.now() < deadline) await sleep(20);
      expect(got.map((r) => r.id)).toEqual(ids);
      expect(reader.stats().lockedBy).toBeNull();
      const lock = JSON.parse(readFileSync(join(dir, LOCK), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(process.pid);
    } finally {
      await reader.stop();
    }
    expect(existsSync(join(dir, LOCK))).toBe(false); // released
    expect(records()).toEqual([]);
  }, 60_000);

  it('takes over a stale lock at once: a dead pid, a reused pid, garbage', async () => {
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    const stale = [
      JSON.stringify({ pid: Number(dead), start: '1', token: 'gone' }),
      // pid 1 is alive, but it is not the process that took this lock (another start time)
      JSON.stringify({ pid: 1, start: 'another-start', token: 'reused' }),
      'not a lock',
    ];
    for (const [i, content] of stale.entries()) {
      writeFileSync(join(dir, LOCK), content);
      const id = put(i);
      const got: SpoolRecord[] = [];
      const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b) });
      expect(await reader.drain()).toBe(1);
      expect(got.map((r) => r.id)).toEqual([id]);
      expect(reader.stats().lockedBy).toBeNull();
      await reader.stop();
    }
  });

  it('within one process too: a reader that holds the lock keeps a second one out until it stops', async () => {
    const first = createSpoolReader({ dir, onBatch: () => {}, pollMs: 10_000 });
    first.start();
    const got: SpoolRecord[] = [];
    const second = createSpoolReader({ dir, onBatch: (b) => got.push(...b) });
    expect(await second.drain()).toBe(0);
    expect(second.stats().lockedBy).toBe(process.pid);
    await first.stop();
    const id = put(0);
    expect(await second.drain()).toBe(1);
    expect(got.map((r) => r.id)).toEqual([id]);
    expect(second.stats().lockedBy).toBeNull();
    await second.stop();
  });
});
