/**
 * Which process a session's PID is, and whether it may be signalled. A hook event's `meta.pid` is a claim by
 * whoever sent the event, and PIDs are reused: before Flightdeck signals a PID it checks that the process is
 * the agent it recorded when the session was first seen from that PID.
 *
 * Linux only (reads /proc). Recording (`identify`) refuses a process that does not exist, is not ours, started
 * after the event that named it (a reused PID), does not look like the session's agent CLI, or belongs to
 * Flightdeck's own process tree. Killing (`verify`) re-reads the process and accepts it only if the boot, the
 * start time, the command line and the executable are still those recorded, the uid is ours, the PID is > 1
 * and the process is neither Flightdeck, nor one of its ancestors, nor one of its descendants. Elsewhere
 * (macOS, no /proc) nothing can be verified, so nothing is ever signalled.
 *
 * What remains: between the last check and `kill(2)` (microseconds), the process could exit and its PID be
 * reused; Node has no pidfd to close that gap.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { ProcessIdentity } from '@flightdeck/core';
import { readProcStat } from '@flightdeck/hook-ingest';
import type { AgentCli } from '@flightdeck/shared-types';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every architecture Node runs on). */
const CLK_TCK = 100;
/** Slack for comparing a start time (10 ms ticks, from uptime) with a wall-clock event time. */
const START_SLACK_MS = 1000;
/** Longest walk up a parent chain. */
const MAX_DEPTH = 4096;

/** Interpreters an agent CLI runs under (`node …/cli.js`). */
const INTERPRETER = /^(node|nodejs|bun|deno)(\d+(\.\d+)*)?(\.exe)?$/;
/**
 * npm packages of the agent CLIs, as they appear in a path (`…/node_modules/.bin/../@anthropic-ai/claude-code/
 * bin/claude.exe` is how Claude Code 2 runs when installed from npm).
 */
const PACKAGES: Record<AgentCli, string> = {
  claude: '/@anthropic-ai/claude-code/',
  codex: '/@openai/codex/',
  gemini: '/@google/gemini-cli/',
};

export type Verdict = { ok: true; identity: ProcessIdentity } | { ok: false; reason: string };

export interface ProcessInspector {
  /** The identity of `pid` if it may be recorded as the agent (`cli`) of an event sent at `at` (unix ms). */
  identify(pid: number, cli: AgentCli, at: number): Verdict;
  /** Whether `identity.pid` is still the recorded process and may be signalled. */
  verify(identity: ProcessIdentity): Verdict;
}

function readUid(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function readCmdline(pid: number): string[] {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0');
    while (args.length > 0 && args[args.length - 1] === '') args.pop();
    return args;
  } catch {
    return [];
  }
}

function readExe(pid: number): string | null {
  try {
    // A replaced binary (an upgrade while the agent runs) reads as `<path> (deleted)`: still the same process.
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

function readBoot(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function uptimeMs(): number | null {
  try {
    const up = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    return Number.isFinite(up) ? up * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Does this command line run `cli`? `claude` (also a process title), `/usr/bin/codex`, `…/claude-code/bin/
 * claude.exe`, `node …/@google/gemini-cli/dist/index.js`: the executable, or the script an interpreter runs.
 */
export function looksLikeAgent(cmdline: readonly string[], cli: AgentCli): boolean {
  const names = new Set([cli, `${cli}.exe`, `${cli}.js`, `${cli}.mjs`, `${cli}.cjs`]);
  const runs = (arg: string) => names.has(basename(arg)) || arg.includes(PACKAGES[cli]);
  const [first, ...rest] = cmdline;
  if (first === undefined) return false;
  // `claude` sets its process title; a native binary runs as itself.
  if (runs(first) || names.has(first.split(' ')[0] ?? '')) return true;
  if (!INTERPRETER.test(basename(first))) return false;
  // The interpreter's script: its first argument that is not an option.
  const script = rest.find((a) => !a.startsWith('-'));
  return script !== undefined && runs(script);
}

/** `pid`'s parent chain (without `pid`), up to PID 1. */
function ancestors(pid: number): number[] {
  const out: number[] = [];
  let cur = pid;
  for (let i = 0; i < MAX_DEPTH && cur > 1; i++) {
    const st = readProcStat(cur);
    if (!st) break;
    cur = st.ppid;
    if (cur > 0) out.push(cur);
  }
  return out;
}

/**
 * Tells whether a pid is Flightdeck's own process tree. Read once: the server's ancestors (a parent that dies
 * hands its children to an ancestor, a subreaper or init, so the chain only loses members: the set read at start
 * holds every later ancestor; one it still names after that ancestor died only refuses, never lets through) and
 * its start time. A descendant's walk up stops at the first process older than the server: a process that started
 * before the server has only ancestors older still, so the server is not among them. An identification reads a few
 * files instead of two chains to PID 1 (each file of /proc takes a syscall or three: 32 new sessions of one spool
 * batch took 228 ms in `identify` on a loaded machine before, 2026-12-07).
 */
function createOwnTree() {
  const self = process.pid;
  let above: Set<number> | null = null;
  let selfStart: number | null = null;
  const isDescendant = (pid: number): boolean => {
    selfStart ??= readProcStat(self)?.startTicks ?? 0;
    let cur = pid;
    for (let i = 0; i < MAX_DEPTH && cur > 1; i++) {
      const st = readProcStat(cur);
      if (!st || st.startTicks < selfStart) return false;
      cur = st.ppid;
      if (cur === self) return true;
    }
    return false;
  };
  /** Why `pid` is Flightdeck's own process tree, or null. */
  return (pid: number): string | null => {
    if (pid === self) return 'it is the Flightdeck server itself';
    above ??= new Set(ancestors(self));
    if (above.has(pid)) return 'it is an ancestor of the Flightdeck server';
    if (isDescendant(pid)) return 'it is a child of the Flightdeck server';
    return null;
  };
}

function sameCmdline(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Linux: reads /proc. */
export function createProcInspector(): ProcessInspector {
  const myUid = process.getuid?.() ?? -1;
  const ownTree = createOwnTree();
  /** The boot id does not change while this process runs. */
  let bootId: string | null = null;
  const boot = () => (bootId ??= readBoot());

  /** What is common to recording and killing: a plain PID of ours, outside Flightdeck's tree. */
  function basics(pid: number): string | null {
    if (!Number.isSafeInteger(pid) || pid <= 1) return `pid ${pid} is not an agent process`;
    return null;
  }

  return {
    identify(pid, cli, at) {
      const bad = basics(pid);
      if (bad) return { ok: false, reason: bad };
      const bootNow = boot();
      const up = uptimeMs();
      const st = readProcStat(pid);
      if (!st || bootNow === null || up === null)
        return { ok: false, reason: 'the process did not exist when it was first seen' };
      // Start time as unix ms: now minus the time since it started.
      const startedAt = Date.now() - (up - (st.startTicks * 1000) / CLK_TCK);
      if (startedAt > at + START_SLACK_MS) {
        return {
          ok: false,
          reason: `the process started after the event that named it (${new Date(startedAt).toISOString()}): a reused pid`,
        };
      }
      const uid = readUid(pid);
      if (uid !== myUid) return { ok: false, reason: `the process belongs to another user (uid ${uid})` };
      const tree = ownTree(pid);
      if (tree) return { ok: false, reason: tree };
      const cmdline = readCmdline(pid);
      if (!looksLikeAgent(cmdline, cli))
        return {
          ok: false,
          reason: `its command line does not run ${cli}: ${JSON.stringify(cmdline.join(' ').slice(0, 200))}`,
        };
      return {
        ok: true,
        identity: { pid, boot: bootNow, startTicks: st.startTicks, uid, cmdline, exe: readExe(pid) },
      };
    },
    verify(identity) {
      const { pid } = identity;
      const bad = basics(pid);
      if (bad) return { ok: false, reason: bad };
      if (boot() !== identity.boot)
        return { ok: false, reason: 'the machine restarted since it was recorded' };
      const st = readProcStat(pid);
      if (!st) return { ok: false, reason: 'it is no longer running' };
      if (st.startTicks !== identity.startTicks)
        return { ok: false, reason: 'start time changed: another process has that pid now' };
      const uid = readUid(pid);
      if (uid !== myUid || uid !== identity.uid)
        return { ok: false, reason: `uid changed (${identity.uid} recorded, ${uid} now)` };
      if (!sameCmdline(readCmdline(pid), identity.cmdline))
        return { ok: false, reason: 'command line changed' };
      const exe = readExe(pid);
      if (identity.exe !== null && exe !== identity.exe) return { ok: false, reason: 'executable changed' };
      const tree = ownTree(pid);
      if (tree) return { ok: false, reason: tree };
      return { ok: true, identity };
    },
  };
}

/** Without /proc nothing can be verified: every process is refused (never killed unverified). */
export function createUnsupportedInspector(platform: string = process.platform): ProcessInspector {
  const reason = `process identity cannot be verified on ${platform} (no /proc), so Flightdeck does not signal it`;
  return {
    identify: () => ({ ok: false, reason }),
    verify: () => ({ ok: false, reason }),
  };
}

/** The inspector for this platform. */
export function createProcessInspector(): ProcessInspector {
  return process.platform === 'linux' && readProcStat(process.pid) !== null
    ? createProcInspector()
    : createUnsupportedInspector();
}
