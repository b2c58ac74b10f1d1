import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSpoolReader,
  encodeSpoolRecord,
  formatRecordName,
  parseRecord,
  parseRecordName,
  RECORD_TRAILER,
  SELF_TEST_EVENT,
  type SpoolBatchOutcome,
  type SpoolRecord,
  sortRecordNames,
  spoolMarkerWaiter,
} from '../src/index.js';
import { currentBoot, makeTempDir } from './support/spool.js';

const BOOT = currentBoot();

const payload = (session: string, seq: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: session, hook_event_name: 'PreToolUse', tool_name: 'Bash', seq, ...extra });

describe('spool reader', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let dir: string;
  let up = 1000;
  beforeEach(() => {
    tmp = makeTempDir();
    dir = tmp.dir;
    up = 1000;
  });
  afterEach(() => tmp.cleanup());

  /** Writes a record the way the hook does; returns its id. */
  function put(
    body: string | Buffer,
    opts: { pid?: number; agent?: number; cli?: string; boot?: string } = {},
  ) {
    up += 1;
    const name = formatRecordName(opts.boot ?? BOOT, up, opts.pid ?? 100 + up);
    writeFileSync(
      join(dir, name),
      encodeSpoolRecord({ cli: opts.cli ?? 'claude', pid: opts.agent ?? 4242 }, body),
    );
    return name.slice(0, -4);
  }

  const seqs = (records: SpoolRecord[]) => records.map((r) => r.envelope.payload.seq);

  it('acknowledges installer self-test records into selftest/ without delivering them', async () => {
    const marker = 'fd-selftest-marker-42';
    put(payload('a', 0));
    put(JSON.stringify({ session_id: 'fd-self-test', hook_event_name: SELF_TEST_EVENT, marker }));
    put(payload('a', 1));
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b) });
    expect(await reader.drain()).toBe(2);
    expect(seqs(got)).toEqual([0, 1]);
    expect(got.some((r) => r.envelope.payload.hook_event_name === SELF_TEST_EVENT)).toBe(false);
    expect(reader.stats().selfTests).toBe(1);
    expect(readdirSync(join(dir, 'selftest'))).toHaveLength(1);
    // The installer's waiter finds the acknowledgement even though the reader consumed the spool file.
    expect(await spoolMarkerWaiter(dir)(marker, 500)).toBe(true);
    expect(await spoolMarkerWaiter(dir)('fd-selftest-other', 100)).toBe(false);
  });

  it('delivers complete records in id order and deletes them after onBatch', async () => {
    const ids = [put(payload('a', 0)), put(payload('a', 1)), put(payload('b', 0)), put(payload('a', 2))];
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b), maxBatch: 2 });
    expect(await reader.drain()).toBe(4);
    expect(got.map((r) => r.id)).toEqual(ids);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toEqual([]);
    expect(reader.stats()).toMatchObject({ delivered: 4, batches: 2, rejected: 0 });
  });

  it('keeps the files and retries when onBatch throws', async () => {
    put(payload('a', 0));
    put(payload('a', 1));
    let fail = true;
    const got: SpoolRecord[] = [];
    const errors: string[] = [];
    const reader = createSpoolReader({
      dir,
      onBatch: (b) => {
        if (fail) throw new Error('disk full');
        got.push(...b);
      },
      onError: (err, ctx) => errors.push(`${ctx}: ${(err as Error).message}`),
    });
    expect(await reader.drain()).toBe(0);
    expect(errors).toEqual(['onBatch: disk full']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toHaveLength(2);
    expect(reader.stats().batchErrors).toBe(1);
    fail = false;
    expect(await reader.drain()).toBe(2);
    expect(seqs(got)).toEqual([0, 1]);
  });

  it('with an asynchronous onBatch: keeps the files until it commits, never delivers them twice meanwhile', async () => {
    const ids = [put(payload('a', 0)), put(payload('a', 1))];
    const got: SpoolRecord[][] = [];
    const commits: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
    const reader = createSpoolReader({
      dir,
      onBatch: (b) => {
        got.push(b);
        return new Promise<void>((resolve, reject) => commits.push({ resolve, reject }));
      },
    });
    const files = () => readdirSync(dir).filter((f) => f.endsWith('.rec'));
    expect(await reader.drain()).toBe(2);
    expect(files()).toHaveLength(2); // not committed yet: the files stay
    // A record written meanwhile is delivered; the two in flight are not read again.
    const later = put(payload('a', 2));
    expect(await reader.drain()).toBe(1);
    expect(got.map((b) => b.map((r) => r.id))).toEqual([ids, [later]]);
    commits[0]?.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(files().map((f) => f.slice(0, -4))).toEqual([later]);
    // A failed commit leaves its file for the next drain, which delivers it again.
    commits[1]?.reject(new Error('disk full'));
    await new Promise((r) => setTimeout(r, 0));
    expect(files()).toHaveLength(1);
    expect(reader.stats()).toMatchObject({ batchErrors: 1, delivered: 2 });
    expect(await reader.drain()).toBe(1);
    expect(got.at(-1)?.map((r) => r.id)).toEqual([later]);
    commits[2]?.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(files()).toEqual([]);
    expect(reader.stats().delivered).toBe(3);
    await reader.stop();
  });

  it('sets aside exactly the records the consumer refuses and delivers every other one once', async () => {
    const ids = [0, 1, 2].map((i) => put(payload('a', i)));
    const refused = put(payload('a', 3, { deep: 'the database cannot store this' }));
    ids.push(...[4, 5, 6].map((i) => put(payload('a', i))));
    const stored: string[] = [];
    const reader = createSpoolReader({
      dir,
      maxBatch: 3,
      isDelivered: (list) => new Set(list.filter((id) => stored.includes(id))),
      onBatch: async (batch): Promise<SpoolBatchOutcome> => {
        await new Promise((r) => setTimeout(r, 5));
        const setAside: Array<{ id: string; reason: string }> = [];
        for (const r of batch) {
          if (r.envelope.payload.deep)
            setAside.push({ id: r.id, reason: 'payload nested too deeply to store' });
          else stored.push(r.id);
        }
        return { setAside };
      },
    });
    await reader.drain();
    await reader.stop();
    await reader.drain(); // nothing left to deliver again
    await reader.stop();
    expect(stored).toEqual(ids);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toEqual([]);
    expect(readdirSync(join(dir, 'rejected')).sort()).toEqual([
      `${refused}.rec`,
      `${refused}.rec.error.json`,
    ]);
    const error = JSON.parse(readFileSync(join(dir, 'rejected', `${refused}.rec.error.json`), 'utf8')) as {
      id: string;
      error: string;
    };
    expect(error).toMatchObject({
      id: refused,
      error: 'refused by the consumer: payload nested too deeply to store',
    });
    expect(reader.stats()).toMatchObject({ delivered: 6, rejected: 1, duplicates: 0 });
  });

  it('delivers a failed batch again even when isDelivered already counts it', async () => {
    const ids = [put(payload('a', 0)), put(payload('a', 1)), put(payload('a', 2))];
    // A consumer that marks ids as delivered on arrival, before its commit (which fails the first time).
    const marked = new Set<string>();
    const stored: string[] = [];
    let failNext = true;
    const reader = createSpoolReader({
      dir,
      isDelivered: (list) => new Set(list.filter((id) => marked.has(id))),
      onBatch: async (batch) => {
        for (const r of batch) marked.add(r.id);
        await new Promise((r) => setTimeout(r, 5));
        if (failNext) {
          failNext = false;
          throw new Error('commit failed');
        }
        stored.push(...batch.map((r) => r.id));
      },
      onError: () => {},
    });
    await reader.drain();
    await reader.stop(); // the failed commit has settled
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toHaveLength(3);
    expect(reader.stats()).toMatchObject({ batchErrors: 1, delivered: 0 });
    expect(await reader.drain()).toBe(3);
    await reader.stop();
    expect(stored).toEqual(ids);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toEqual([]);
    expect(reader.stats()).toMatchObject({ delivered: 3, duplicates: 0 });
  });

  it('skips ids the consumer already committed (crash between commit and delete)', async () => {
    const a = put(payload('a', 0));
    put(payload('a', 1));
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({
      dir,
      onBatch: (b) => got.push(...b),
      isDelivered: (ids) => new Set(ids.filter((id) => id === a)),
    });
    expect(await reader.drain()).toBe(1);
    expect(seqs(got)).toEqual([1]);
    expect(reader.stats().duplicates).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.rec'))).toEqual([]);
  });

  it('moves invalid records to rejected/ with the error and goes on', async () => {
    put('{"not json');
    put(JSON.stringify({ hook_event_name: 'Stop' }));
    put(payload('a', 0), { cli: 'vim' });
    writeFileSync(join(dir, formatRecordName(BOOT, 5000, 1)), 'garbage that is no record');
    put(payload('a', 1));
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b) });
    await reader.drain();
    expect(seqs(got)).toEqual([1]);
    expect(reader.stats().rejected).toBe(4);
    const rejected = readdirSync(join(dir, 'rejected'));
    const errors = rejected
      .filter((f) => f.endsWith('.error.json'))
      .map((f) => (JSON.parse(readFileSync(join(dir, 'rejected', f), 'utf8')) as { error: string }).error);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^payload is not JSON/),
        'payload.session_id: Required',
        expect.stringMatching(/^cli: /),
        'not a spool record (bad magic)',
      ]),
    );
    expect(rejected.filter((f) => f.endsWith('.rec'))).toHaveLength(4);
  });

  it('sets an unreadable record aside instead of stalling, and caps batches by bytes', async () => {
    put(payload('a', 0, { pad: 'x'.repeat(600_000) }));
    up += 1;
    const dirRecord = formatRecordName(BOOT, up, 5);
    mkdirSync(join(dir, dirRecord)); // reading it fails with EISDIR
    put(payload('a', 1, { pad: 'y'.repeat(600_000) }));
    put(payload('a', 2));
    const sizes: number[] = [];
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({
      dir,
      maxBatchBytes: 1_000_000,
      onBatch: (b) => {
        sizes.push(b.length);
        got.push(...b);
      },
      onError: () => {},
    });
    await reader.drain();
    expect(seqs(got)).toEqual([0, 1, 2]);
    expect(sizes).toEqual([2, 1]);
    expect(existsSync(join(dir, 'rejected', dirRecord))).toBe(true);
  });

  it('holds back later records of an agent while an earlier one is still being written', async () => {
    put(payload('a', 0), { agent: 1 });
    const partialId = put(payload('a', 1), { agent: 1 });
    const partialFile = join(dir, `${partialId}.rec`);
    const full = readFileSync(partialFile);
    writeFileSync(partialFile, full.subarray(0, full.length - RECORD_TRAILER.length - 5)); // mid-payload
    put(payload('a', 2), { agent: 1 });
    put(payload('b', 0), { agent: 2 }); // another agent is not held back
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b) });
    await reader.drain();
    expect(got.map((r) => `${r.envelope.payload.session_id}${r.envelope.payload.seq}`)).toEqual(['a0', 'b0']);
    expect(reader.stats().pending).toBe(2);
    writeFileSync(partialFile, full); // the writer finishes
    await reader.drain();
    expect(got.map((r) => `${r.envelope.payload.session_id}${r.envelope.payload.seq}`)).toEqual([
      'a0',
      'b0',
      'a1',
      'a2',
    ]);
  });

  it('salvages an abandoned record that parses, rejects one that does not (after the grace period)', async () => {
    const salvageable = put(payload('a', 0));
    const f1 = join(dir, `${salvageable}.rec`);
    const b1 = readFileSync(f1);
    writeFileSync(f1, b1.subarray(0, b1.length - RECORD_TRAILER.length)); // writer killed before the trailer
    const broken = put(payload('a', 1));
    const f2 = join(dir, `${broken}.rec`);
    const b2 = readFileSync(f2);
    writeFileSync(f2, b2.subarray(0, b2.length - 20));
    put(payload('a', 2));
    const got: SpoolRecord[] = [];
    let clock = Date.now();
    const reader = createSpoolReader({
      dir,
      onBatch: (b) => got.push(...b),
      graceMs: 30_000,
      now: () => clock,
    });
    await reader.drain();
    expect(got).toHaveLength(0); // within grace: everything of that agent waits
    clock += 31_000;
    await reader.drain();
    expect(seqs(got)).toEqual([0, 2]);
    expect(reader.stats()).toMatchObject({ salvaged: 1, rejected: 1 });
    expect(existsSync(join(dir, 'rejected', `${broken}.rec`))).toBe(true);
  });

  it('lets a headerless leftover hold back others only briefly, then rejects it after the grace period', async () => {
    up += 1;
    const empty = formatRecordName(BOOT, up, 77);
    writeFileSync(join(dir, empty), ''); // a hook killed between creating the file and writing its header
    put(payload('a', 0));
    const got: SpoolRecord[] = [];
    let clock = Date.now();
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b), now: () => clock });
    await reader.drain();
    expect(got).toHaveLength(0); // might still be a writer about to write: keep order
    clock += 2500;
    await reader.drain();
    expect(seqs(got)).toEqual([0]);
    clock += 30_000;
    await reader.drain();
    expect(existsSync(join(dir, 'rejected', empty))).toBe(true);
  });

  it('orders records of an earlier boot before the current boot', async () => {
    const other = BOOT === 'aaaaaaaa' ? 'bbbbbbbb' : 'aaaaaaaa';
    up = 900_000_000; // a long uptime on the previous boot
    put(payload('old', 0), { boot: other });
    up = 10;
    put(payload('new', 0));
    const got: SpoolRecord[] = [];
    await createSpoolReader({ dir, onBatch: (b) => got.push(...b) }).drain();
    expect(got.map((r) => r.envelope.payload.session_id)).toEqual(['old', 'new']);
  });

  it('recovers when the spool directory is deleted and recreated while watching', async () => {
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b), pollMs: 20, healthCheckMs: 50 });
    reader.start();
    try {
      rmSync(dir, { recursive: true, force: true });
      const deadline = Date.now() + 15_000;
      while (!existsSync(join(dir, '.trailer')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(join(dir, '.trailer'))).toBe(true); // the health check recreated it
      put(payload('x', 0));
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seqs(got)).toEqual([0]);
      expect(reader.stats().watching).toBe(true);
    } finally {
      await reader.stop();
    }
  }, 30_000);

  it('orders PIDs across a wrap-around within one centisecond', async () => {
    const names = [32760, 32766, 301, 305].map((pid) => ({
      name: parseRecordName(formatRecordName(BOOT, 77, pid))!,
    }));
    const shuffled = [names[2]!, names[0]!, names[3]!, names[1]!];
    expect(sortRecordNames(shuffled, 32768).map((n) => n.name.pid)).toEqual([32760, 32766, 301, 305]);
    // No wrap: plain PID order; other centiseconds keep uptime order.
    const plain = [500, 20, 9000].map((pid, i) => ({
      name: parseRecordName(formatRecordName(BOOT, 80 + (i === 2 ? 1 : 0), pid))!,
    }));
    expect(sortRecordNames(plain, 32768).map((n) => n.name.pid)).toEqual([20, 500, 9000]);

    // Through the reader: a session whose hook PIDs wrapped inside one centisecond stays in order.
    for (const [i, pid] of [32700, 32767, 300, 302].entries()) {
      writeFileSync(
        join(dir, formatRecordName(BOOT, 5000, pid)),
        encodeSpoolRecord({ cli: 'claude', pid: 1 }, payload('w', i)),
      );
    }
    const got: SpoolRecord[] = [];
    await createSpoolReader({ dir, onBatch: (b) => got.push(...b) }).drain();
    expect(seqs(got)).toEqual([0, 1, 2, 3]);
  });

  it('parses records byte-exactly, meta values with newlines included', async () => {
    const buf = encodeSpoolRecord({ cli: 'claude', TMUX: 'a\nb=c' }, '{"x":"\\u0000é"}');
    const parsed = parseRecord(buf);
    expect(parsed.kind).toBe('complete');
    if (parsed.kind === 'complete') {
      expect(parsed.meta).toEqual({ cli: 'claude', TMUX: 'a\nb=c' });
      expect(JSON.parse(parsed.payload.toString())).toEqual({ x: '\u0000é' });
    }
    expect(parseRecord(buf.subarray(0, 2)).kind).toBe('incomplete');
    expect(parseRecord(buf.subarray(0, buf.length - 1)).kind).toBe('incomplete');
  });

  it('watches the directory: start() picks up new records without an explicit drain', async () => {
    const got: SpoolRecord[] = [];
    const reader = createSpoolReader({ dir, onBatch: (b) => got.push(...b), pollMs: 10_000 });
    reader.start();
    try {
      expect(existsSync(join(dir, '.trailer'))).toBe(true);
      put(payload('w', 0));
      const deadline = Date.now() + 15_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seqs(got)).toEqual([0]);
      expect(reader.stats().watching).toBe(true);
    } finally {
      await reader.stop();
    }
    put(payload('w', 1));
    expect(got).toHaveLength(1); // stopped: no more deliveries
  }, 30_000);
});
