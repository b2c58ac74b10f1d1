/**
 * `pnpm fault`: the fault suite. Runs each scenario against the real server (`flightdeck start` as a child
 * process on 127.0.0.1, a file database in a temporary data directory), prints its figures and a PASS/FAIL
 * line, and exits non-zero when any scenario fails.
 *
 * Usage: pnpm fault [--quick] [--only=kill-loop,outage,fuzz,spool-burst,poisoned] [--keep]
 *   --quick  the short variants (what `pnpm test` runs through apps/server/test/fault-suite.test.ts)
 *   --keep   keep each scenario's data directory
 */
import { pathToFileURL } from 'node:url';
import { fuzz } from './fuzz.js';
import type { ScenarioOptions, ScenarioResult } from './harness.js';
import { killLoop } from './kill-loop.js';
import { outage } from './outage.js';
import { poisoned } from './poisoned.js';
import { spoolBurst } from './spool-burst.js';

export type { ScenarioOptions, ScenarioResult };
export { fuzz, killLoop, outage, poisoned, spoolBurst };

export const SCENARIOS: Record<string, (opts: ScenarioOptions) => Promise<ScenarioResult>> = {
  'kill-loop': killLoop,
  outage,
  fuzz,
  'spool-burst': spoolBurst,
  poisoned,
};

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const keep = argv.includes('--keep');
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean);
  const unknown = (only ?? []).filter((name) => !(name in SCENARIOS));
  if (unknown.length) {
    console.error(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  const results: ScenarioResult[] = [];
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    const started = performance.now();
    try {
      results.push(await scenario({ quick, keep }));
    } catch (err) {
      console.log(`FAIL ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      results.push({ name, pass: false, figures: {}, failures: [String(err)] });
    }
    console.log(`  (${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  console.log('\nSummary:');
  for (const r of results) console.log(`  ${r.pass ? 'PASS' : 'FAIL'} ${r.name}`);
  return results.every((r) => r.pass) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
