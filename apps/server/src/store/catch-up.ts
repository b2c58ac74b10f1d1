/**
 * A read loop of the cluster's readers (events, shared inputs): one read at a time, until nothing is left; a call
 * while reading makes the running loop go round once more, and returns the running loop.
 */
export interface CatchUp {
  (): Promise<void>;
  /** The loop under way, if any (awaited on close). */
  running(): Promise<void> | null;
}

/** `readOnce` resolves true when there may be more to read; a failure is handed to `onError` and ends the loop. */
export function catchUpLoop(
  readOnce: () => Promise<boolean>,
  onError: (err: unknown) => void,
  closed: () => boolean = () => false,
): CatchUp {
  let reading: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (closed()) return Promise.resolve();
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          if (await readOnce()) again = true;
        } while (again && !closed());
      } catch (err) {
        onError(err);
      } finally {
        reading = null;
      }
    })();
    return reading;
  };
  return Object.assign(run, { running: () => reading });
}
