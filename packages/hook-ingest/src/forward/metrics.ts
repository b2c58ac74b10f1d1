/**
 * What a host measures of itself for its report (issue 19): CPU busy % since the last sample (node:os), memory
 * used/total (MemAvailable from /proc/meminfo when there is one, else os.freemem), swap used/total (/proc/meminfo),
 * load averages, and the used/total space of the filesystem holding the data directory (fs.statfs).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { HostMetrics } from '@flightdeck/shared-types';

interface CpuTimes {
  idle: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** `/proc/meminfo` in bytes by key (empty where there is none). */
export function readMeminfo(text?: string): Map<string, number> {
  const out = new Map<string, number>();
  let raw = text;
  if (raw === undefined) {
    try {
      raw = readFileSync('/proc/meminfo', 'latin1');
    } catch {
      return out;
    }
  }
  for (const line of raw.split('\n')) {
    const m = /^(\w+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m?.[1] && m[2]) out.set(m[1], Number(m[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

const round = (n: number) => Math.max(0, Math.round(n));

/** A sampler: each call measures now; CPU % is over the time since the previous call (since creation first). */
export function createMetricsSampler(dataDir: string, now: () => number = Date.now): () => HostMetrics {
  let last = cpuTimes();
  return () => {
    const cur = cpuTimes();
    const dTotal = cur.total - last.total;
    const dIdle = cur.idle - last.idle;
    last = cur;
    const cpuPercent = dTotal > 0 ? Math.min(100, Math.max(0, (100 * (dTotal - dIdle)) / dTotal)) : 0;
    const info = readMeminfo();
    const memTotal = totalmem();
    const available = info.get('MemAvailable') ?? freemem();
    const swapTotal = info.get('SwapTotal') ?? 0;
    const swapFree = info.get('SwapFree') ?? swapTotal;
    let disk = { used: 0, total: 0 };
    try {
      const st = statfsSync(dataDir);
      const total = st.blocks * st.bsize;
      disk = { used: round(total - st.bfree * st.bsize), total: round(total) };
    } catch {}
    const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
    return {
      at: now(),
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      cpuCount: Math.max(1, cpus().length),
      memory: { used: round(memTotal - available), total: round(memTotal) },
      swap: { used: round(swapTotal - swapFree), total: round(swapTotal) },
      disk,
      load: [Math.max(0, l1), Math.max(0, l5), Math.max(0, l15)],
    };
  };
}
