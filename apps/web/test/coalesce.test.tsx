import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../src/lib/coalesce.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('createCoalescer', () => {
  it('runs at once, keeps one run in flight and one trailing run however many requests arrive', async () => {
    const runs: Array<ReturnType<typeof deferred>> = [];
    const c = createCoalescer(() => {
      const d = deferred();
      runs.push(d);
      return d.promise;
    });
    c.request();
    expect(runs.length).toBe(1);
    for (let i = 0; i < 200; i++) c.request();
    expect(runs.length).toBe(1);
    expect(c.busy()).toBe(true);
    runs[0]!.resolve();
    await tick();
    expect(runs.length).toBe(2);
    runs[1]!.resolve();
    await tick();
    expect(runs.length).toBe(2);
    expect(c.busy()).toBe(false);
    c.request();
    expect(runs.length).toBe(3);
  });

  it('keeps going after a failed run', async () => {
    let n = 0;
    const c = createCoalescer(async () => {
      n++;
      if (n === 1) throw new Error('network down');
    });
    c.request();
    c.request();
    await tick();
    await tick();
    expect(n).toBe(2);
  });

  it('spaces runs by the minimum interval', async () => {
    const starts: number[] = [];
    const c = createCoalescer(
      async () => {
        starts.push(Date.now());
      },
      { minIntervalMs: 60 },
    );
    c.request();
    await tick();
    c.request();
    c.request();
    expect(starts.length).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    expect(starts.length).toBe(2);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(55);
  });

  it('does nothing after dispose', async () => {
    let n = 0;
    const c = createCoalescer(
      async () => {
        n++;
      },
      { minIntervalMs: 30 },
    );
    c.request();
    await tick();
    c.request();
    c.dispose();
    c.request();
    await new Promise((r) => setTimeout(r, 60));
    expect(n).toBe(1);
  });
});
