import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSpoolReader,
  encodeSpoolRecord,
  formatRecordName,
  HOOK_SCRIPT_PATH,
  SELF_TEST_EVENT,
} from '../src/index.js';
import { currentBoot, hookEnv, makeTempDir } from './support/spool.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('spool data at rest is private whatever the umask', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let savedUmask: number;
  beforeEach(() => {
    tmp = makeTempDir();
    savedUmask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(savedUmask);
    tmp.cleanup();
  });

  it('the reader creates the spool 0700, its subdirectories 0700 and its files 0600', async () => {
    const spool = join(tmp.dir, 'data', 'spool');
    const reader = createSpoolReader({ dir: spool, onBatch: () => {}, pollMs: 10_000 });
    reader.start();
    try {
      expect(mode(spool)).toBe(0o700);
      expect(mode(join(spool, '.trailer'))).toBe(0o600);
      expect(mode(join(spool, '.reader.lock'))).toBe(0o600);
      // A record written by an older hook (0644) that is rejected, and a self-test record.
      const bad = formatRecordName(currentBoot(), 100, 1);
      writeFileSync(join(spool, bad), 'not a record', { mode: 0o644 });
      const selfTest = formatRecordName(currentBoot(), 101, 2);
      writeFileSync(
        join(spool, selfTest),
        encodeSpoolRecord(
          { cli: 'claude', pid: 1 },
          JSON.stringify({ session_id: 'fd-self-test', hook_event_name: SELF_TEST_EVENT, marker: 'm' }),
        ),
      );
      await reader.drain();
      expect(mode(join(spool, 'rejected'))).toBe(0o700);
      expect(mode(join(spool, 'rejected', bad))).toBe(0o600);
      expect(mode(join(spool, 'rejected', `${bad}.error.json`))).toBe(0o600);
      expect(mode(join(spool, 'selftest'))).toBe(0o700);
      expect(readdirSync(join(spool, 'selftest'))).toEqual([selfTest]);
    } finally {
      await reader.stop();
    }
  });

  it('an existing spool open to group and others becomes 0700 on start, and so do rejected/ and selftest/', async () => {
    const spool = join(tmp.dir, 'spool');
    mkdirSync(join(spool, 'rejected'), { recursive: true });
    mkdirSync(join(spool, 'selftest'));
    for (const d of [spool, join(spool, 'rejected'), join(spool, 'selftest')]) chmodSync(d, 0o777);
    const reader = createSpoolReader({ dir: spool, onBatch: () => {}, pollMs: 10_000 });
    reader.start();
    await reader.stop();
    expect(mode(spool)).toBe(0o700);
    expect(mode(join(spool, 'rejected'))).toBe(0o700);
    expect(mode(join(spool, 'selftest'))).toBe(0o700);
  });

  it('the hook script writes 0600 records into a 0700 spool under umask 000', () => {
    const spool = join(tmp.dir, 'new', 'spool');
    const r = spawnSync('sh', ['-c', `umask 000; sh '${HOOK_SCRIPT_PATH}' claude`], {
      input: JSON.stringify({ session_id: 's', hook_event_name: 'Stop' }),
      env: hookEnv(spool),
    });
    expect(r.status).toBe(0);
    expect(mode(spool)).toBe(0o700);
    expect(mode(join(tmp.dir, 'new'))).toBe(0o700);
    const files = readdirSync(spool).filter((f) => f.endsWith('.rec'));
    expect(files).toHaveLength(1);
    expect(mode(join(spool, files[0]!))).toBe(0o600);
    expect(mode(join(spool, '.trailer'))).toBe(0o600);
  });
});
