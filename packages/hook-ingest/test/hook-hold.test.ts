import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSpoolReader,
  HOOK_SCRIPT_PATH,
  holdFifoPath,
  holdRecordId,
  parseRecord,
  readProcStat,
  type SpoolRecord,
  sweepHoldDir,
} from '../src/index.js';
import { createSpoolLock } from '../src/spool/lock.js';
import { currentBoot, hookEnv, makeTempDir } from './support/spool.js';

const permission = JSON.stringify({
  session_id: 'sess-hold',
  hook_event_name: 'PermissionRequest',
  tool_name: 'Bash',
  tool_input: { command: 'rm -rf build' },
  permission_suggestions: [],
});
const allow = '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}';

interface Held {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
}

/** Runs `sh flightdeck-hook.sh <args>` in the background with `input` on stdin. */
function startHook(args: string[], input: string, env: Record<string, string>): Held {
  const child = spawn('sh', [HOOK_SCRIPT_PATH, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout })),
  );
  child.stdin!.end(input);
  return { child, done };
}

/** `sh flightdeck-hook.sh <args>` run to its end, killed after 5 s (a hook that wrongly holds fails, not hangs). */
function runBounded(args: string[], input: string, env: Record<string, string>) {
  const r = spawnSync('sh', [HOOK_SCRIPT_PATH, ...args], { input, env, timeout: 5000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString('utf8') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => T | null | undefined | false, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const records = (spool: string) => readdirSync(spool).filter((f) => f.endsWith('.rec'));

/** The one record of the spool once it is complete (its meta), else null. */
function completeRecord(spool: string): Record<string, string> | null {
  const [file] = records(spool);
  if (!file) return null;
  const parsed = parseRecord(readFileSync(join(spool, file)));
  return parsed.kind === 'complete' ? parsed.meta : null;
}

/** A reader lock naming `pid` as the lock file format of src/spool/lock.ts has it. */
function writeLock(spool: string, pid: number, start: string): void {
  mkdirSync(spool, { recursive: true, mode: 0o700 });
  writeFileSync(join(spool, '.reader.lock'), `${JSON.stringify({ pid, start, token: 'test-token' })}\n`);
}

/** Live `tail --pid=<pid>` processes (the hook's parent watcher), found through /proc. */
function tailsWatching(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.endsWith('tail') && args.includes(`--pid=${pid}`)) {
        if (readProcStat(Number(entry))?.state !== 'Z') out.push(Number(entry));
      }
    } catch {
      // gone
    }
  }
  return out;
}

const ownStart = () => String(readProcStat(process.pid)!.startTicks);

async function drainAll(dir: string): Promise<SpoolRecord[]> {
  const out: SpoolRecord[] = [];
  const reader = createSpoolReader({ dir, onBatch: (b) => out.push(...b) });
  await reader.drain();
  await reader.stop();
  return out;
}

/** Waits until the hook holds: its FIFO exists and its record is complete. Returns the FIFO path. */
async function held(spool: string, hook: Held): Promise<string> {
  const file = await until(() => completeRecord(spool) && records(spool)[0], 'the held record');
  const fifo = join(spool, 'hold', file.slice(0, -4));
  // Made before the record was written.
  expect(lstatSync(fifo).isFIFO()).toBe(true);
  expect(lstatSync(fifo).mode & 0o777).toBe(0o600);
  expect(lstatSync(join(spool, 'hold')).mode & 0o777).toBe(0o700);
  expect(hook.child.exitCode).toBeNull();
  return fifo;
}

/** Whether process `pid` has `path` open (/proc/<pid>/fd); true once the process is gone (nothing to wait for). */
function hasOpen(pid: number, path: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return true;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

/** Opens the FIFO as the server will: never blocks, a writer exists from then on. */
const openAsServer = (fifo: string) =>
  openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);

/**
 * Answers a held hook as the server does (effects/holds.ts): opens its FIFO, writes `line` if any, and closes only
 * once the hook has the FIFO open. A pipe's data goes with its last descriptor: closed before the hook's `open`
 * got in (it is still writing its record or starting its watcher), the hook would wait for a writer forever.
 */
async function answer(fifo: string, line?: string): Promise<void> {
  const pid = Number(fifo.slice(fifo.lastIndexOf('-') + 1));
  const real = realpathSync(fifo);
  const fd = openAsServer(fifo);
  try {
    if (line !== undefined) writeSync(fd, `${line}\n`);
    await until(() => hasOpen(pid, real), 'the hook to open its FIFO', 5000);
  } finally {
    closeSync(fd);
  }
}

describe('flightdeck-hook.sh --hold', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let spool: string;
  const children: ChildProcess[] = [];
  /** Hook processes that are not our children (orphaned on purpose). */
  const strays: number[] = [];
  beforeEach(() => {
    tmp = makeTempDir();
    spool = join(tmp.dir, 'spool');
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of strays.splice(0)) if (readProcStat(pid)) process.kill(pid, 'SIGKILL');
    // The watchers of hooks killed on purpose (they watch this process, their hook's parent).
    for (const pid of tailsWatching(process.pid)) process.kill(pid, 'SIGTERM');
    tmp.cleanup();
  });
  const hold = (cli = 'claude') => {
    const h = startHook([cli, '--hold'], permission, hookEnv(spool));
    children.push(h.child);
    return h;
  };

  it('without a lock file: records the event without hold=1, prints nothing, returns at once', async () => {
    mkdirSync(spool, { mode: 0o700 });
    const t0 = performance.now();
    const r = runBounded(['claude', '--hold'], permission, hookEnv(spool));
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(elapsed).toBeLessThan(1000);
    const meta = completeRecord(spool);
    expect(meta?.cli).toBe('claude');
    expect(meta).not.toHaveProperty('hold');
    expect(existsSync(join(spool, 'hold'))).toBe(false);
    const [rec] = await drainAll(spool);
    // `--hold` is not mistaken for a Codex-style payload argument: the payload came from stdin.
    expect(rec?.envelope.payload).toEqual(JSON.parse(permission));
    expect(rec?.envelope.meta.hold).toBeUndefined();
    expect(rec?.envelope.meta.holdPid).toBeUndefined();
    // A started reader makes hold/ (0700), so that held hooks need no mkdir.
    const reader = createSpoolReader({ dir: spool, onBatch: () => {} });
    reader.start();
    await reader.stop();
    expect(lstatSync(join(spool, 'hold')).mode & 0o7777).toBe(0o700);
  });

  it('with a live reader but no FIFO possible (hold/ is not a directory): records without hold=1 and returns', () => {
    writeLock(spool, process.pid, ownStart());
    writeFileSync(join(spool, 'hold'), 'not a directory');
    const r = runBounded(['claude', '--hold'], permission, hookEnv(spool));
    expect([r.status, r.signal, r.stdout]).toEqual([0, null, '']);
    expect(completeRecord(spool)).not.toHaveProperty('hold');
  });

  it('with a stale lock (process gone, or its pid started at another time): does not hold', () => {
    const gone = spawnSync('sh', ['-c', 'echo $$']);
    const deadPid = Number(gone.stdout.toString().trim());
    for (const [pid, start] of [
      [deadPid, '12345'],
      [process.pid, String(Number(ownStart()) + 1)],
      [0, ''],
    ] as const) {
      writeLock(spool, pid, start);
      const t0 = performance.now();
      const r = runBounded(['claude', '--hold'], permission, hookEnv(spool));
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
    }
    expect(records(spool)).toHaveLength(3);
    for (const f of records(spool)) {
      const parsed = parseRecord(readFileSync(join(spool, f)));
      expect(parsed.kind).toBe('complete');
      if (parsed.kind === 'complete') expect(parsed.meta).not.toHaveProperty('hold');
    }
    expect(existsSync(join(spool, 'hold')) ? readdirSync(join(spool, 'hold')) : []).toEqual([]);
  });

  it('with a live reader that answers no hold (a forwarder: "hold":false in its lock): does not hold', async () => {
    mkdirSync(spool, { mode: 0o700 });
    const forwarding = createSpoolReader({ dir: spool, onBatch: () => undefined, holds: false });
    forwarding.start();
    try {
      await until(() => existsSync(join(spool, '.reader.lock')), 'the lock');
      expect(readFileSync(join(spool, '.reader.lock'), 'utf8')).toContain('"hold":false');
      for (const cli of ['claude', 'codex']) {
        const t0 = performance.now();
        const r = runBounded([cli, '--hold'], permission, hookEnv(spool));
        expect(r.status).toBe(0);
        expect(r.stdout).toBe('');
        expect(performance.now() - t0).toBeLessThan(1000);
      }
      expect(existsSync(join(spool, 'hold')) ? readdirSync(join(spool, 'hold')) : []).toEqual([]);
    } finally {
      await forwarding.stop();
    }
    // The same lock without "hold":false (a server's) makes the hook hold (in a spool of its own).
    spool = join(tmp.dir, 'spool-of-a-server');
    writeLock(spool, process.pid, ownStart());
    const h = hold();
    await held(spool, h);
  });

  it('with a live reader: holds, prints the one line the server writes, exits 0 and removes its FIFO', async () => {
    writeLock(spool, process.pid, ownStart());
    const hook = hold();
    const fifo = await held(spool, hook);
    expect(completeRecord(spool)?.hold).toBe('1');
    // Still waiting: nobody opened the FIFO yet.
    await sleep(100);
    expect(hook.child.exitCode).toBeNull();
    await answer(fifo, allow);
    const r = await hook.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${allow}\n`);
    expect(existsSync(fifo)).toBe(false);
    // Its parent watcher is gone too (the parent, this process, lives on).
    await until(() => tailsWatching(process.pid).length === 0, 'the watcher to stop', 3000);
  });

  it('with a live reader: a close without writing (release, timeout, shutdown) prints nothing and exits 0', async () => {
    writeLock(spool, process.pid, ownStart());
    const hook = hold('codex');
    const fifo = await held(spool, hook);
    await answer(fifo);
    const r = await hook.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(existsSync(fifo)).toBe(false);
  });

  it('the reader turns a held record into an envelope with meta.hold and meta.holdPid, never opening the FIFO', async () => {
    // The real lock of a reader (then released so that the reader of this test may take it).
    mkdirSync(spool, { mode: 0o700 });
    const lock = createSpoolLock(spool);
    expect(lock.acquire()).toEqual({ held: true });
    const hook = hold();
    const fifo = await held(spool, hook);
    lock.release();
    const [rec] = await drainAll(spool);
    const id = rec!.id;
    expect(rec?.envelope.meta.hold).toBe(holdFifoPath(spool, id));
    expect(rec?.envelope.meta.hold).toBe(fifo);
    expect(rec?.envelope.meta.holdPid).toBe(hook.child.pid);
    expect(holdRecordId(spool, fifo)).toBe(id);
    expect(rec?.envelope.payload).toEqual(JSON.parse(permission));
    // The reader did not open the FIFO: the hook still waits.
    await sleep(100);
    expect(hook.child.exitCode).toBeNull();
    await answer(fifo);
    expect((await hook.done).code).toBe(0);
  });

  it('killed with SIGTERM while holding (an answer in the terminal): sweepHoldDir removes what it left', async () => {
    writeLock(spool, process.pid, ownStart());
    const other = hold();
    const otherFifo = await held(spool, other);
    const victim = startHook(['claude', '--hold'], permission, hookEnv(spool));
    children.push(victim.child);
    const victimFifo = await until(() => {
      const fifos = readdirSync(join(spool, 'hold')).map((n) => join(spool, 'hold', n));
      return fifos.find((p) => p !== otherFifo) ?? null;
    }, "the second hook's FIFO");
    await until(
      () =>
        records(spool).length === 2 &&
        records(spool).every((f) => parseRecord(readFileSync(join(spool, f))).kind === 'complete'),
      'two complete records',
    );
    // Not a hook's FIFO: a regular file and a link (to a FIFO) named like a dead hook's FIFO, a FIFO with another name.
    const boot = currentBoot();
    const deadPid = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
    const plain = join(spool, 'hold', `${boot}-000000000001-${deadPid}`);
    writeFileSync(plain, 'x');
    const link = join(spool, 'hold', `${boot}-000000000002-${deadPid}`);
    symlinkSync(otherFifo, link);
    const odd = join(spool, 'hold', 'not-a-record-id');
    spawnSync('mkfifo', [odd]);
    // A FIFO named by a live pid that started after the record's capture time: the pid was reused, the hook is gone.
    const reused = join(spool, 'hold', `${boot}-000000000001-${process.pid}`);
    spawnSync('mkfifo', [reused]);
    victim.child.kill('SIGTERM');
    const r = await victim.done;
    expect(r.stdout).toBe('');
    expect(r.signal === 'SIGTERM' || r.code === 0).toBe(true);
    const removed = sweepHoldDir(spool);
    expect(existsSync(victimFifo)).toBe(false);
    expect(existsSync(reused)).toBe(false);
    expect(removed.map((id) => join(spool, 'hold', id)).sort()).toEqual([victimFifo, reused].sort());
    // The live hook's FIFO and everything that is not a dead hook's FIFO stay.
    expect(lstatSync(otherFifo).isFIFO()).toBe(true);
    expect(readFileSync(plain, 'utf8')).toBe('x');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(lstatSync(odd).isFIFO()).toBe(true);
    expect(sweepHoldDir(spool)).toEqual([]);
    await answer(otherFifo);
    expect((await other.done).code).toBe(0);
  });

  it('ends its wait when the CLI kills only the `sh -c` wrapper it runs the hook in (dash does not exec the hook)', async () => {
    writeLock(spool, process.pid, ownStart());
    const command = `sh '${HOOK_SCRIPT_PATH.replace(/'/g, `'\\''`)}' claude --hold`;
    const wrapper = spawn('sh', ['-c', command], { env: hookEnv(spool), stdio: ['pipe', 'pipe', 'ignore'] });
    children.push(wrapper);
    let stdout = '';
    wrapper.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    const closed = new Promise<void>((resolve) => wrapper.stdout!.on('close', () => resolve()));
    wrapper.stdin!.end(permission);
    const fifo = await held(spool, { child: wrapper, done: new Promise(() => {}) });
    const hookPid = Number(fifo.split('-').pop());
    strays.push(hookPid);
    expect(readProcStat(hookPid)?.ppid).toBe(wrapper.pid);
    wrapper.kill('SIGTERM');
    // The hook (and its watcher) end: nothing keeps the CLI's stdout pipe open, the server sees the pid gone.
    await until(() => readProcStat(hookPid) === null, 'the orphaned hook to end', 5000);
    await closed;
    expect(stdout).toBe('');
    expect(sweepHoldDir(spool)).toEqual([fifo.split('/').pop()]);
  });

  it('keeps the Codex notify rule: the last argument is the payload, with or without --hold', async () => {
    const notify = {
      type: 'agent-turn-complete',
      'thread-id': 't-1',
      'last-assistant-message': 'done --hold',
    };
    for (const args of [[JSON.stringify(notify)], ['--hold', JSON.stringify(notify)]]) {
      const r = runBounded(['codex', ...args], '', hookEnv(spool));
      expect([r.status, r.stdout]).toEqual([0, '']);
    }
    const got = await drainAll(spool);
    expect(got.map((r) => r.envelope.payload)).toEqual([notify, notify]);
  });

  it('gemini never holds: exactly {} on stdout', () => {
    writeLock(spool, process.pid, ownStart());
    const input = JSON.stringify({ session_id: 'g1', hook_event_name: 'BeforeTool' });
    const r = runBounded(['gemini', '--hold'], input, hookEnv(spool));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('{}\n');
    expect(existsSync(join(spool, 'hold'))).toBe(false);
  });

  it('holdRecordId accepts exactly <spool>/hold/<record id>, absolute', () => {
    const id = `${currentBoot()}-000000012345-4242`;
    const fifo = holdFifoPath(spool, id)!;
    expect(fifo).toBe(join(spool, 'hold', id));
    expect(holdRecordId(spool, fifo)).toBe(id);
    for (const bad of [
      `${spool}/hold/x/../${id}`,
      `${spool}/hold//${id}`,
      join(spool, id),
      join(tmp.dir, 'other', 'hold', id),
      join(spool, 'hold', `${id}.rec`),
      `${spool}/hold/../.reader.lock`,
      `hold/${id}`,
      '/home/dev/.bashrc',
    ]) {
      expect(holdRecordId(spool, bad)).toBeNull();
    }
    expect(holdFifoPath(spool, '../../etc/passwd')).toBeNull();
  });
});
