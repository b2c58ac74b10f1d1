/**
 * Logger options for Fastify's pino: JSON lines by default, a compact human format when stdout is a TTY.
 * `--debug` (or `debug: true` in config.json) lowers the level to debug.
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const COLORS: Record<number, string> = { 20: '\x1b[35m', 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/** Formats one pino JSON line for humans: `[ISO time] LEVEL message key=value…`. */
export function formatLogLine(line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof rec.level === 'number' ? rec.level : 30;
  const name = LEVELS[level] ?? String(level);
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString() : '';
  const extras = Object.entries(rec)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object' && 'message' in v) {
        const e = v as { message?: unknown; stack?: unknown };
        return `err=${String(e.stack ?? e.message)}`;
      }
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    })
    .join(' ');
  const tag = color && COLORS[level] ? `${COLORS[level]}${name}\x1b[0m` : name;
  return `[${time}] ${tag} ${String(rec.msg ?? '')}${extras ? ` ${extras}` : ''}`;
}

function prettyStream(out: NodeJS.WriteStream): Writable {
  let buffer = '';
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      buffer += chunk.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) out.write(`${formatLogLine(line, true)}\n`);
        nl = buffer.indexOf('\n');
      }
      cb();
    },
  });
}

export interface LoggerOptions {
  level: string;
  stream?: Writable;
}

export function loggerOptions(debug: boolean, out: NodeJS.WriteStream = process.stdout): LoggerOptions {
  const level = debug ? 'debug' : 'info';
  return out.isTTY ? { level, stream: prettyStream(out) } : { level };
}
