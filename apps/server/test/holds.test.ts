/**
 * The hold FIFO effects with real FIFOs, files and `sh` readers: only a FIFO of this user, named like a record,
 * directly in the hold/ directory of one of the server's spools is ever opened and written.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHoldEffects, type HoldEffects } from '../src/effects/holds.js';
import type { CoreInput } from '../src/ports.js';
import { tmpDir } from './helpers.js';
import { makeHoldFifo, recordId, startFifoReader } from './hold-fifo.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

function setup() {
  const tmp = tmpDir('fd-holds-');
  const spool = join(tmp.dir, 'spool');
  mkdirSync(spool, { mode: 0o700 });
  const submitted: CoreInput[] = [];
  const holds = createHoldEffects(
    { state: () => ({}) as never, submit: (i) => submitted.push(i), now: Date.now, log: quiet },
    { spoolDirs: () => [spool], pollMs: 20 },
  );
  return { tmp, spool, submitted, holds };
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

function use(holds: HoldEffects, tmp: { remove(): void }) {
  cleanup.push(
    () => tmp.remove(),
    () => holds.stop?.(),
  );
}

const line = '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}';

describe('hold FIFOs', () => {
  it('a FIFO in the spool hold/ dir: opened, the reply line reaches the reader, closed after', async () => {
    const { tmp, spool, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(1);
    const path = makeHoldFifo(spool, id);
    const reader = startFifoReader(path);
    holds.handlers['hold-open']({ type: 'hold-open', approvalId: id, path, pid: reader.pid });
    expect(holds.holdState(id)).toBe('held');
    holds.handlers['hold-reply']({ type: 'hold-reply', approvalId: id, line });
    expect(await holds.replied(id)).toEqual({ ok: true });
    expect(await reader.done).toBe(line);
    expect(holds.size()).toBe(0);
    expect(submitted).toEqual([]);
  });

  it('a hook that opens its FIFO late still gets the reply (or the EOF): the close waits for its open', async () => {
    const { tmp, spool, holds } = setup();
    use(holds, tmp);
    const a = recordId(9);
    const b = recordId(10);
    const ra = startFifoReader(makeHoldFifo(spool, a), 0.3);
    const rb = startFifoReader(makeHoldFifo(spool, b), 0.3);
    cleanup.push(
      () => ra.child.kill('SIGKILL'),
      () => rb.child.kill('SIGKILL'),
    );
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: a,
      path: join(spool, 'hold', a),
      pid: ra.pid,
    });
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: b,
      path: join(spool, 'hold', b),
      pid: rb.pid,
    });
    holds.handlers['hold-reply']({ type: 'hold-reply', approvalId: a, line });
    holds.handlers['hold-release']({ type: 'hold-release', approvalId: b });
    const timeout = new Promise((r) => setTimeout(() => r('still waiting'), 3000));
    expect(await Promise.race([ra.done, timeout])).toBe(line);
    expect(await Promise.race([rb.done, timeout])).toBe('');
  });

  it('release and stop close without writing: the reader reads EOF', async () => {
    const { tmp, spool, holds } = setup();
    use(holds, tmp);
    const a = recordId(2);
    const b = recordId(3);
    const ra = startFifoReader(makeHoldFifo(spool, a));
    const rb = startFifoReader(makeHoldFifo(spool, b));
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: a,
      path: join(spool, 'hold', a),
      pid: ra.pid,
    });
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: b,
      path: join(spool, 'hold', b),
      pid: rb.pid,
    });
    holds.handlers['hold-release']({ type: 'hold-release', approvalId: a });
    expect(await ra.done).toBe('');
    holds.stop?.();
    expect(await rb.done).toBe('');
  });

  it('a hook that goes away → hold-ended (no reason)', async () => {
    const { tmp, spool, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(4);
    const reader = startFifoReader(makeHoldFifo(spool, id));
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: id,
      path: join(spool, 'hold', id),
      pid: reader.pid,
    });
    reader.child.kill('SIGTERM');
    await reader.done;
    for (let i = 0; i < 100 && submitted.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(submitted).toEqual([{ type: 'hold-ended', approvalId: id }]);
    expect(holds.holdState(id)).toBe('gone');
  });

  // Each refusal: the file is never opened for writing, the reply never written; the core hears why.
  it('a FIFO outside the hold/ dir of a spool of this server is refused', async () => {
    const { tmp, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(5);
    const path = makeHoldFifo(join(tmp.dir, 'elsewhere'), id);
    const reader = startFifoReader(path);
    cleanup.push(() => reader.child.kill('SIGKILL'));
    holds.handlers['hold-open']({ type: 'hold-open', approvalId: id, path, pid: reader.pid });
    holds.handlers['hold-reply']({ type: 'hold-reply', approvalId: id, line });
    expect(await holds.replied(id)).toEqual({ ok: false, reason: 'the hook is not held open' });
    expect(submitted).toEqual([
      {
        type: 'hold-ended',
        approvalId: id,
        reason: "hold refused: not in the hold/ directory of one of this server's spools",
      },
    ]);
    // Still blocked in open (no writer ever came): it printed nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.child.exitCode).toBeNull();
    expect(reader.gotAt()).toBeNull();
  });

  it('a symbolic link in hold/ (to a FIFO elsewhere) is refused', async () => {
    const { tmp, spool, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(6);
    const target = makeHoldFifo(join(tmp.dir, 'elsewhere'), id);
    mkdirSync(join(spool, 'hold'), { mode: 0o700 });
    const path = join(spool, 'hold', id);
    symlinkSync(target, path);
    const reader = startFifoReader(target);
    cleanup.push(() => reader.child.kill('SIGKILL'));
    holds.handlers['hold-open']({ type: 'hold-open', approvalId: id, path, pid: reader.pid });
    holds.handlers['hold-reply']({ type: 'hold-reply', approvalId: id, line });
    expect(submitted).toEqual([
      { type: 'hold-ended', approvalId: id, reason: 'hold refused: a symbolic link' },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.child.exitCode).toBeNull();
    expect(reader.gotAt()).toBeNull();
  });

  it('a regular file in hold/ is refused and left as it was', async () => {
    const { tmp, spool, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(7);
    mkdirSync(join(spool, 'hold'), { mode: 0o700 });
    const path = join(spool, 'hold', id);
    writeFileSync(path, 'precious\n', { mode: 0o600 });
    holds.handlers['hold-open']({ type: 'hold-open', approvalId: id, path, pid: process.pid });
    holds.handlers['hold-reply']({ type: 'hold-reply', approvalId: id, line });
    expect(submitted).toEqual([{ type: 'hold-ended', approvalId: id, reason: 'hold refused: not a FIFO' }]);
    expect(readFileSync(path, 'utf8')).toBe('precious\n');
  });

  it('a path that is not named like a record, or not normalised, is refused', () => {
    const { tmp, spool, holds, submitted } = setup();
    use(holds, tmp);
    const id = recordId(8);
    const path = `${spool}/hold/../hold/${id}`;
    holds.handlers['hold-open']({ type: 'hold-open', approvalId: id, path, pid: null });
    holds.handlers['hold-open']({
      type: 'hold-open',
      approvalId: 'x',
      path: join(spool, 'hold', 'x'),
      pid: null,
    });
    expect(submitted.map((s) => (s as { reason?: string }).reason)).toEqual([
      'hold refused: not an absolute, normalised path',
      'hold refused: not named like a spool record',
    ]);
  });
});
