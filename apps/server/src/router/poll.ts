/** A subscription that reads a value every `intervalMs` and yields it when it changed (until `signal` aborts). */
export async function* pollChanges<T>(
  read: () => T,
  intervalMs: number,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  let last = '';
  while (!signal?.aborted) {
    const value = read();
    const text = JSON.stringify(value);
    if (text !== last) {
      last = text;
      yield value;
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, intervalMs);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          r();
        },
        { once: true },
      );
    });
  }
}
