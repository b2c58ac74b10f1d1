import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOOK_SCRIPT_PATH } from '../../src/index.js';

export interface WriterPlan {
  writers: number;
  eventsPerWriter: number;
  /** Every `bigEvery`-th event of a writer carries a large pad (the pad files, in rotation; 0 = never). */
  bigEvery: number;
}

/** Writes the pad files the writer scripts splice into payloads; returns their paths. */
export function writePads(dir: string, sizes: number[]): string[] {
  return sizes.map((size, i) => {
    const file = join(dir, `pad-${i}.txt`);
    // JSON-safe content whose position errors would show: a repeating, position-dependent pattern.
    let s = '';
    const unit = 'abcdefghijklmnopqrstuvwxyz0123456789';
    while (s.length < size) s += unit;
    writeFileSync(file, s.slice(0, size));
    return file;
  });
}

/**
 * Starts one sh process per writer. Each runs the real hook script sequentially (like one agent session),
 * event `i` carrying `{"session_id":"w<k>","seq":i}` and sometimes a large pad. Resolves when all exit.
 */
export function runWriters(spool: string, plan: WriterPlan, pads: string[]): Promise<number[]> {
  const procs = Array.from({ length: plan.writers }, (_, k) => {
    const script = `
i=0
while [ $i -lt ${plan.eventsPerWriter} ]; do
  pad=
  if [ ${plan.bigEvery} -gt 0 ] && [ $((i % ${plan.bigEvery})) -eq $((${k} % ${plan.bigEvery})) ]; then
    set -- ${pads.map((p) => `'${p}'`).join(' ')}
    n=$(( (i / ${Math.max(1, plan.bigEvery)} + ${k}) % $# + 1 ))
    eval "pad=\\\${$n}"
  fi
  {
    printf '{"session_id":"w${k}","hook_event_name":"PreToolUse","tool_name":"Bash","seq":%s,"pad":"' $i
    [ -n "$pad" ] && cat "$pad"
    printf '"}'
  } | sh '${HOOK_SCRIPT_PATH}' claude
  i=$((i + 1))
done
`;
    const child = spawn('sh', ['-c', script], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FLIGHTDECK_SPOOL: spool, HOME: spool },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  });
  return Promise.all(procs);
}
