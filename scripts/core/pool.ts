// Bounded concurrency for work on many nodes: at most `limit` at once, in order of the list.

/** Runs fn over items with at most `limit` at once; `stop()` is asked before each start. */
export async function pool<T>(items: T[], limit: number, stop: () => boolean, fn: (x: T) => Promise<void>): Promise<T[]> {
  const queue = [...items];
  const notStarted: T[] = [];
  const worker = async (): Promise<void> => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) {
      if (stop()) {
        notStarted.push(x, ...queue.splice(0));
        return;
      }
      await fn(x);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return notStarted;
}
