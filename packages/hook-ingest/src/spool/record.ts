/**
 * The spool record format written by `hooks/flightdeck-hook.sh` (and by {@link encodeSpoolRecord}):
 *
 *   "FD1\0" KEY=value\0 KEY=value\0 ... "\0" <raw payload bytes> "\0FDEND\n"
 *
 * Meta values are raw environment values (they may contain newlines, never NUL), so the shell never
 * escapes anything. The payload is the CLI's JSON exactly as received. A record is complete once it
 * ends with the trailer. File name: `<boot8>-<uptime centiseconds, 12 digits>-<hook pid>.rec`.
 */

export const RECORD_MAGIC = 'FD1\0';
export const RECORD_TRAILER = '\0FDEND\n';
const MAGIC = Buffer.from(RECORD_MAGIC, 'latin1');
const TRAILER = Buffer.from(RECORD_TRAILER, 'latin1');

export interface RecordName {
  /** Record id: the file name without `.rec`. Unique, and ordered by capture time within a boot. */
  id: string;
  boot: string;
  /** Capture time as uptime in centiseconds (the shell's /proc/uptime), or unix seconds * 100 without /proc. */
  up: number;
  /** PID of the hook process (breaks ties within a centisecond; PIDs wrap, see `compareRecordNames`). */
  pid: number;
}

const NAME_RE = /^([0-9a-f]{8})-(\d{12,})-(\d+)\.rec$/;

export function parseRecordName(file: string): RecordName | null {
  const m = NAME_RE.exec(file);
  if (!m) return null;
  return { id: file.slice(0, -4), boot: m[1]!, up: Number(m[2]), pid: Number(m[3]) };
}

/** `<boot8>-<up, 12 digits>-<pid>.rec`, as the hook script names its records. */
export function formatRecordName(boot: string, up: number, pid: number): string {
  return `${boot}-${String(up).padStart(12, '0')}-${pid}.rec`;
}

/**
 * Sorts names of one boot into capture order: by uptime, then by PID. PIDs are handed out in increasing order
 * but wrap at `pidMax` (32768 by default on Linux); within one centisecond far fewer than `pidMax / 2` PIDs are
 * allocated, so a tie group whose PIDs span more than half the range has wrapped, and its low PIDs come last.
 */
export function sortRecordNames<T extends { name: RecordName }>(items: T[], pidMax: number): T[] {
  items.sort((a, b) => a.name.up - b.name.up || a.name.pid - b.name.pid);
  let start = 0;
  while (start < items.length) {
    let end = start + 1;
    while (end < items.length && items[end]!.name.up === items[start]!.name.up) end++;
    const lo = items[start]!.name.pid;
    const hi = items[end - 1]!.name.pid;
    if (end - start > 1 && hi - lo > pidMax / 2) {
      const group = items.slice(start, end);
      const key = (pid: number) => (pid < pidMax / 2 ? pid + pidMax : pid);
      group.sort((a, b) => key(a.name.pid) - key(b.name.pid));
      items.splice(start, group.length, ...group);
    }
    start = end;
  }
  return items;
}

export type ParsedRecord =
  | { kind: 'complete'; meta: Record<string, string>; payload: Buffer }
  | { kind: 'incomplete'; meta: Record<string, string> | null; payload: Buffer | null }
  | { kind: 'invalid'; error: string };

function parseHeader(buf: Buffer): { meta: Record<string, string>; bodyStart: number } | null {
  const meta: Record<string, string> = {};
  let pos = MAGIC.length;
  for (;;) {
    const end = buf.indexOf(0, pos);
    if (end < 0) return null;
    if (end === pos) return { meta, bodyStart: end + 1 };
    const entry = buf.toString('utf8', pos, end);
    const eq = entry.indexOf('=');
    if (eq > 0) meta[entry.slice(0, eq)] = entry.slice(eq + 1);
    pos = end + 1;
  }
}

/** Splits a record into meta and payload. Never throws. */
export function parseRecord(buf: Buffer): ParsedRecord {
  if (buf.length < MAGIC.length) {
    return MAGIC.subarray(0, buf.length).equals(buf)
      ? { kind: 'incomplete', meta: null, payload: null }
      : { kind: 'invalid', error: 'not a spool record (bad magic)' };
  }
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
    return { kind: 'invalid', error: 'not a spool record (bad magic)' };
  const header = parseHeader(buf);
  if (!header) return { kind: 'incomplete', meta: null, payload: null };
  const complete =
    buf.length >= header.bodyStart + TRAILER.length && buf.subarray(-TRAILER.length).equals(TRAILER);
  if (complete) {
    return {
      kind: 'complete',
      meta: header.meta,
      payload: buf.subarray(header.bodyStart, buf.length - TRAILER.length),
    };
  }
  // Partial: strip whatever prefix of the trailer may already be there.
  let end = buf.length;
  const nul = buf.indexOf(0, header.bodyStart);
  if (nul >= 0) end = nul;
  return { kind: 'incomplete', meta: header.meta, payload: buf.subarray(header.bodyStart, end) };
}

/** Builds a record (what the hook script writes). Used by tests, benchmarks and Node-side writers. */
export function encodeSpoolRecord(meta: Record<string, string | number>, payload: string | Buffer): Buffer {
  const parts: Buffer[] = [MAGIC];
  for (const [k, v] of Object.entries(meta)) {
    const entry = `${k}=${v}`;
    if (entry.includes('\0')) throw new Error(`meta ${k} contains NUL`);
    parts.push(Buffer.from(`${entry}\0`, 'utf8'));
  }
  parts.push(Buffer.from([0]), typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload, TRAILER);
  return Buffer.concat(parts);
}
