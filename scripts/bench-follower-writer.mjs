// The writer of `pnpm bench:follower` (bench-follower.ts), in a process of its own so that its CPU is not the
// server's: appends `rate` lines per second to each of the files named, for `seconds`, cycling through the lines
// of the recorded Claude Code transcript (real shapes and sizes). Usage: node bench-follower-writer.mjs
// <fixture.jsonl> <rate> <seconds> <file>...
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

const [fixture, rate, seconds, ...files] = process.argv.slice(2);
const lines = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => Buffer.from(`${l}\n`));
const fds = files.map((f) => openSync(f, 'a'));
const tickMs = 1000 / Number(rate);
const end = Date.now() + Number(seconds) * 1000;
let next = 0;
let written = 0;
let bytes = 0;
const timer = setInterval(() => {
  for (const fd of fds) {
    const line = lines[next % lines.length];
    writeSync(fd, line);
    written += 1;
    bytes += line.length;
  }
  next += 1;
  if (Date.now() >= end) {
    clearInterval(timer);
    for (const fd of fds) closeSync(fd);
    process.send?.({ written, bytes });
    process.disconnect?.();
  }
}, tickMs);
