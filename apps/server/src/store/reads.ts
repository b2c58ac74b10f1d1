/**
 * Reads consistent with what the runtime acknowledged: an acknowledged input's raw event is committed, but the
 * rows derived from it wait for the next checkpoint, so a reader first waits for one (bounded).
 */

/** A read that waited this long for the checkpoint it needs fails (the database is not answering). */
export const READ_WAIT_MS = 10_000;

/** Raised by `StorePort.read` when the database could not take in what was acknowledged in time. */
export class StoreBehindError extends Error {
  constructor(waitedMs: number) {
    super(
      `the database has not stored the latest changes after ${Math.round(waitedMs / 1000)} s (writes are being retried); try again`,
    );
    this.name = 'StoreBehindError';
  }
}

/** Resolves once `checkpointed` does; fails with `StoreBehindError` when that takes longer than `waitMs`. */
export async function withinReadWait(checkpointed: Promise<void>, waitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), waitMs);
    timer.unref?.();
  });
  const outcome = await Promise.race([checkpointed, gaveUp]);
  clearTimeout(timer);
  if (outcome === 'late') throw new StoreBehindError(waitMs);
}
