/** Maps `items` through `fn` with at most `limit` calls in flight, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The items of `source`, asking for the next one while the caller works on the current one: a
 * listing's next page is served (by LNB) and parsed (here) while this one is being decided on.
 */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // Rejected while the caller still works on `current`: handled when awaited on the next turn.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    // The caller stopped early (an error, a shutdown): the listing stops too.
    await iterator.return?.();
  }
}
