/**
 * The quick part of the fault suite (scripts/fault; the full soak is `pnpm fault`): each scenario runs the real
 * server as a child process on 127.0.0.1 with a file database, and fails if its defect comes back.
 *
 * - kill-loop: 3 SIGKILLs under load from hook-script writers and HTTP senders; a retried event (same `id`)
 *   is stored once.
 * - outage: 5 s of hook events with no server, all ingested exactly once.
 * - fuzz: 5,000 hostile requests: no 5xx, no crash, RSS < 400 MB, valid events still stored.
 * - spool-burst: 3,000 events/s into the spool for 3 s: health p95 < 250 ms, max < 1 s (a regression guard: the
 *   synchronous drain froze health for 6-25 s; the soak holds p99 < 100 ms, max < 250 ms), RSS < 400 MB.
 * - poisoned: a 5,000-level payload is set aside with its reason; its neighbours are stored once.
 */
import { describe, expect, it } from 'vitest';
import {
  fuzz,
  killLoop,
  outage,
  poisoned,
  type ScenarioOptions,
  type ScenarioResult,
  spoolBurst,
} from '../../../scripts/fault/index.js';

/** Runs a scenario quietly; its figures are printed only when it fails. */
async function runQuick(scenario: (opts: ScenarioOptions) => Promise<ScenarioResult>) {
  const lines: string[] = [];
  const result = await scenario({ quick: true, log: (line) => lines.push(line) });
  if (!result.pass) console.log(lines.join('\n'));
  return result;
}

describe('fault suite (quick)', () => {
  it('kill-loop: SIGKILLs under hook-script and HTTP load lose nothing and double nothing', async () => {
    const r = await runQuick(killLoop);
    expect(r.failures).toEqual([]);
    expect(r.figures['hook writers lost']).toBe(0);
    expect(r.figures['hook writers duplicated']).toBe(0);
    expect(r.figures['HTTP lost']).toBe(0);
    expect(r.figures['HTTP duplicated']).toBe(0);
    expect(r.figures['retry probe duplicated']).toBe(0);
  }, 240_000);

  it('outage: events written while no server runs are ingested exactly once', async () => {
    const r = await runQuick(outage);
    expect(r.failures).toEqual([]);
    expect(r.figures['hook writers sent']).toBeGreaterThan(0);
    expect(r.figures['hook writers lost']).toBe(0);
    expect(r.figures['hook writers duplicated']).toBe(0);
  }, 240_000);

  it('fuzz: hostile requests get no 5xx, the server stays up, and valid events still work', async () => {
    const r = await runQuick(fuzz);
    expect(r.failures).toEqual([]);
    expect(r.figures['5xx']).toBe(0);
    expect(r.figures['valid events afterwards: 202']).toBe(100);
  }, 240_000);

  it('spool-burst: a 3,000 events/s spool burst never freezes the server', async () => {
    const r = await runQuick(spoolBurst);
    expect(r.failures).toEqual([]);
    expect(r.figures['spool events lost']).toBe(0);
    expect(r.figures['spool events duplicated']).toBe(0);
  }, 240_000);

  it('poisoned: a record that cannot be stored is set aside and takes no neighbour with it', async () => {
    const r = await runQuick(poisoned);
    expect(r.failures).toEqual([]);
    expect(r.figures['poisoned record in rejected/']).toBe(1);
    expect(r.figures['spool ordinary lost']).toBe(0);
  }, 240_000);
});
