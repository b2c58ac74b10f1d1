import { describe, expect, it } from 'vitest';
import { cleanMeta } from '../src/meta.js';

describe('cleanMeta', () => {
  it('keeps the known fields of the right type and drops everything else', () => {
    const meta = cleanMeta({
      tty: '/dev/pts/3',
      termProgram: 'iTerm.app',
      host: 'build-box',
      agentId: 'a1',
      pid: 4242,
      holdPid: 7,
      sentAt: 1_765_000_000_000,
      ghostty: true,
      permissionRequestHooked: true,
      hold: '/spool/hold/1',
      unknown: 'x',
      tmux: '',
      tabId: 'x'.repeat(1025),
      windowId: 12,
    });
    expect(meta).toEqual({
      tty: '/dev/pts/3',
      termProgram: 'iTerm.app',
      host: 'build-box',
      agentId: 'a1',
      pid: 4242,
      holdPid: 7,
      sentAt: 1_765_000_000_000,
      ghostty: true,
      permissionRequestHooked: true,
      hold: '/spool/hold/1',
    });
  });

  it.each([
    ['pid', 0],
    ['pid', 1.5],
    ['pid', '12'],
    ['holdPid', -1],
    ['sentAt', Number.POSITIVE_INFINITY],
    ['sentAt', 0],
    ['ghostty', 'true'],
    ['permissionRequestHooked', 1],
    ['hold', ''],
    ['hold', 'x'.repeat(4097)],
  ])('drops %s = %j', (key, value) => {
    expect(cleanMeta({ [key]: value })).toEqual({});
  });

  it('takes nothing from anything but an object', () => {
    for (const raw of [null, undefined, 'tty', 42, true]) expect(cleanMeta(raw)).toEqual({});
  });

  it('reads own fields only: a polluted prototype gives nothing', () => {
    const proto = { tty: '/dev/evil', pid: 1, hold: '/etc/passwd' };
    const meta = Object.create(proto) as Record<string, unknown>;
    meta.sentAt = 5;
    expect(cleanMeta(meta)).toEqual({ sentAt: 5 });
  });

  it('reads a meta built by a spread (as a host token adds its host) like any other', () => {
    const parsed = JSON.parse('{"pid":12,"sentAt":34,"tty":"/dev/pts/1"}') as Record<string, unknown>;
    expect(cleanMeta({ ...parsed, host: 'laptop' })).toEqual({
      pid: 12,
      sentAt: 34,
      tty: '/dev/pts/1',
      host: 'laptop',
    });
  });
});
