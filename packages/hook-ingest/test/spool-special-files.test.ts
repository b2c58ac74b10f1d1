import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSpoolRecord, formatRecordName, RECORD_TRAILER } from '../src/index.js';
import { currentBoot, makeTempDir } from './support/spool.js';

const CHILD = fileURLToPath(new URL('./support/drain-reader.ts', import.meta.url));
const PKG = fileURLToPath(new URL('..', import.meta.url));
const BOOT = currentBoot();

/** Runs the reader in a child process: a reader that blocks or reads without bound fails here, not hangs the run. */
function drainInChild(
  spool: string,
  timeoutMs: number,
): Promise<{ ids: string[]; stats: { rejected: number } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, spool], {
      cwd: PKG,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the reader did not finish within ${timeoutMs} ms (blocked on a special file?)`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(
          JSON.parse(out.trim().split('\n').at(-1) ?? '') as { ids: string[]; stats: { rejected: number } },
        );
      } catch {
        reject(new Error(`the reader exited (${code ?? signal}) without a result: ${out.slice(0, 500)}`));
      }
    });
  });
}

const payload = (seq: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Bash', seq, ...extra });

describe('special files in the spool', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let spool: string;
  let up = 1000;
  const cleanups: Array<() => void> = [];
  beforeEach(() => {
    tmp = makeTempDir();
    spool = join(tmp.dir, 'spool');
    mkdirSync(spool);
    up = 1000;
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
    tmp.cleanup();
  });

  const nextName = () => formatRecordName(BOOT, ++up, 100 + up);
  const good = (seq: number) => {
    const name = nextName();
    writeFileSync(join(spool, name), encodeSpoolRecord({ cli: 'claude', pid: 4242 }, payload(seq)));
    return name.slice(0, -4);
  };
  const mkfifo = (path: string) => expect(spawnSync('mkfifo', [path]).status).toBe(0);

  it('sets aside FIFOs, devices, sockets, symlinks, directories and oversized records unopened; delivers the rest', async () => {
    const expected = new Map<string, RegExp>();
    const special = (make: (path: string) => boolean | undefined, reason: RegExp) => {
      const name = nextName();
      // `make` returns false when it could not create the file (mknod without the privilege).
      if (make(join(spool, name)) !== false) expected.set(name, reason);
    };
    const ids = [good(0)];
    // A FIFO nobody writes to: opening it for reading blocks.
    special((p) => {
      mkfifo(p);
      return undefined;
    }, /a FIFO/);
    ids.push(good(1));
    // A FIFO with a writer that never writes: opening succeeds, reading blocks.
    special((p) => {
      mkfifo(p);
      const fd = openSync(p, constants.O_RDWR | constants.O_NONBLOCK);
      cleanups.push(() => closeSync(fd));
      return undefined;
    }, /a FIFO/);
    // Links: to /dev/zero (reading never ends) and to a FIFO elsewhere.
    special((p) => {
      symlinkSync('/dev/zero', p);
      return undefined;
    }, /a symbolic link/);
    const outsideFifo = join(tmp.dir, 'outside.fifo');
    mkfifo(outsideFifo);
    special((p) => {
      symlinkSync(outsideFifo, p);
      return undefined;
    }, /a symbolic link/);
    ids.push(good(2));
    // A character device like /dev/zero (needs root or CAP_MKNOD: created when possible).
    special((p) => spawnSync('mknod', [p, 'c', '1', '5']).status === 0, /a character device/);
    // A socket.
    let server: Server | null = null;
    const socketName = nextName();
    await new Promise<void>((resolve, reject) => {
      server = createServer().listen(join(spool, socketName), resolve).on('error', reject);
    });
    cleanups.push(() => server?.close());
    expected.set(socketName, /a socket/);
    // A directory with a record's name.
    special((p) => {
      mkdirSync(p);
      return undefined;
    }, /a directory/);
    // A well-formed record larger than the HTTP body limit (2 MB).
    special((p) => {
      writeFileSync(
        p,
        encodeSpoolRecord({ cli: 'claude', pid: 4242 }, payload(99, { pad: 'x'.repeat(3 << 20) })),
      );
      return undefined;
    }, /larger than 2097152 bytes/);
    ids.push(good(3));
    // The trailer the hooks append: a FIFO there must not block the reader either (it is replaced).
    mkfifo(join(spool, '.trailer'));

    const result = await drainInChild(spool, 30_000);

    expect(result.ids).toEqual(ids);
    expect(result.stats.rejected).toBe(expected.size);
    expect(expected.size).toBeGreaterThanOrEqual(7);
    const rejected = join(spool, 'rejected');
    for (const [name, reason] of expected) {
      expect(existsSync(join(spool, name))).toBe(false);
      expect(lstatSync(join(rejected, name))).toBeDefined();
      const error = JSON.parse(readFileSync(join(rejected, `${name}.error.json`), 'utf8')) as {
        error: string;
      };
      expect(error.error).toMatch(reason);
    }
    expect(readdirSync(spool).filter((f) => f.endsWith('.rec'))).toEqual([]);
    expect(lstatSync(join(spool, '.trailer')).isFile()).toBe(true);
    expect(readFileSync(join(spool, '.trailer'), 'latin1')).toBe(RECORD_TRAILER);
  }, 60_000);
});
