import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { outputDir } from './harness.js';

// Not in harness.ts: the global setup imports that, and vitest's hooks exist only inside test files.
/** Keeps a screenshot of the page (in test-output/) when a test fails, to see what the browser showed. */
export function screenshotOnFailure(page: () => Page | undefined, prefix = 'failed'): void {
  afterEach(async (ctx) => {
    const p = page();
    if (ctx.task.result?.state !== 'fail' || !p) return;
    const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await p
      .screenshot({ path: join(outputDir, `${prefix}-${name}.png`), fullPage: true })
      .catch(() => undefined);
  });
}
