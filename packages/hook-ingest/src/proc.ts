import { readFileSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` (Linux) that Flightdeck reads. */
export interface ProcStat {
  /** `R`, `S`, `Z` (zombie), `X` (dead), … */
  state: string;
  ppid: number;
  /** Controlling terminal (`tty_nr`, see `ttyName`). */
  ttyNr: number;
  /** CPU time in user and kernel mode, in clock ticks (10 ms). */
  utimeTicks: number;
  stimeTicks: number;
  /** Start time after boot, in clock ticks: with the pid, it names one process (a reused pid starts later). */
  startTicks: number;
}

/**
 * Reads `/proc/<pid>/stat` (or a thread's `/proc/<pid>/task/<tid>/stat`); null when the process is gone or there
 * is no /proc. The one parser of that line: `pid (comm) state ppid …`, where comm may hold spaces and
 * parentheses, so the fields are split after the last `)`.
 */
export function readProcStat(pid: number, thread?: number): ProcStat | null {
  let line: string;
  try {
    line = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const f = line.slice(line.lastIndexOf(')') + 2).split(' ');
  const stat = {
    state: f[0] ?? '',
    ppid: Number(f[1]),
    ttyNr: Number(f[4]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    startTicks: Number(f[19]),
  };
  return Number.isInteger(stat.ppid) && Number.isSafeInteger(stat.startTicks) ? stat : null;
}
