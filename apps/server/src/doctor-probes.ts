/** The probes `flightdeck doctor` runs: files and modes, the spool's backlog, the server, a self-test's answer. */
import { constants as fsc, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import { parseRecordName, shellQuote } from '@flightdeck/hook-ingest';
export const BACKLOG_STALE_MS = 60_000;

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.stat(p);
  } catch {
    return null;
  }
}

/** Owner-only, writable directory: the problems found (empty when fine). */
export async function dirProblems(dir: string, st: Stats): Promise<{ problems: string[]; fixes: string[] }> {
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!st.isDirectory()) return { problems: [`${dir} is not a directory`], fixes: [`move ${dir} away`] };
  const mode = st.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    problems.push(`${dir} can be read by other users (mode ${mode.toString(8)})`);
    fixes.push(`chmod 700 ${shellQuote(dir)}`);
  }
  let writable = (mode & 0o200) !== 0;
  if (writable) {
    try {
      await fs.access(dir, fsc.W_OK);
    } catch {
      writable = false;
    }
  }
  if (!writable) {
    problems.push(`${dir} is not writable (mode ${mode.toString(8)}): hooks cannot drop events there`);
    fixes.push(`chmod u+rwx ${shellQuote(dir)}`);
  }
  return { problems, fixes };
}

export async function spoolBacklog(spool: string): Promise<{ count: number; oldestMs: number | null }> {
  let names: string[] = [];
  try {
    names = (await fs.readdir(spool)).filter((f) => parseRecordName(f) !== null);
  } catch {
    return { count: 0, oldestMs: null };
  }
  let oldest: number | null = null;
  for (const n of names) {
    const st = await statOrNull(join(spool, n));
    if (st && (oldest === null || st.mtimeMs < oldest)) oldest = st.mtimeMs;
  }
  return { count: names.length, oldestMs: oldest };
}

export async function rejectedSummary(spool: string): Promise<{ count: number; newest: string | null }> {
  const dir = join(spool, 'rejected');
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch {
    return { count: 0, newest: null };
  }
  const reasons = names.filter((n) => n.endsWith('.error.json'));
  let newest: { at: number; error: string } | null = null;
  for (const n of reasons) {
    try {
      const j = JSON.parse(await fs.readFile(join(dir, n), 'utf8')) as {
        error?: unknown;
        rejectedAt?: unknown;
      };
      const at = typeof j.rejectedAt === 'number' ? j.rejectedAt : 0;
      if (!newest || at > newest.at) newest = { at, error: String(j.error ?? 'unknown') };
    } catch {
      // unreadable reason: counted, not quoted
    }
  }
  return { count: names.length - reasons.length, newest: newest?.error ?? null };
}

export interface ServerProbe {
  reachable: boolean;
  url: string;
  /** The server's data dir when it told us (no password set). */
  dataDir: string | null;
  detail: string;
}

export async function probeServer(host: string, port: number, timeoutMs: number): Promise<ServerProbe> {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
  try {
    const res = await fetch(`${url}/trpc/system.health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 401) {
      return {
        reachable: true,
        url,
        dataDir: null,
        detail: `a server answers at ${url} (password required)`,
      };
    }
    if (!res.ok)
      return { reachable: false, url, dataDir: null, detail: `${url} answered HTTP ${res.status}` };
    let dataDir: string | null = null;
    try {
      const info = await fetch(`${url}/trpc/system.info`, { signal: AbortSignal.timeout(timeoutMs) });
      const body = (await info.json()) as { result?: { data?: { dataDir?: unknown } } };
      if (typeof body.result?.data?.dataDir === 'string') dataDir = body.result.data.dataDir;
    } catch {
      // health answered; the data dir stays unknown
    }
    return { reachable: true, url, dataDir, detail: `the server answers at ${url}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return {
      reachable: false,
      url,
      dataDir: null,
      detail:
        cause === 'ECONNREFUSED'
          ? `no server is running at ${url}`
          : `no answer from ${url} (${cause === 'TimeoutError' ? `nothing within ${timeoutMs} ms` : cause})`,
    };
  }
}

/** Waits until a file holding `marker` appears in one of `dirs`; the dir where it did, or null. */
export async function waitForAck(dirs: string[], marker: string, timeoutMs: number): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  for (;;) {
    for (const dir of dirs) {
      let names: string[] = [];
      try {
        names = await fs.readdir(dir);
      } catch {
        continue;
      }
      for (const n of names) {
        const p = join(dir, n);
        if (seen.has(p)) continue;
        seen.add(p);
        try {
          if ((await fs.readFile(p, 'latin1')).includes(marker)) return dir;
        } catch {
          // pruned meanwhile
        }
      }
    }
    if (Date.now() >= deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}
