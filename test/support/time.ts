// Waiting and timing, for every test file. Nothing here loads nock.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const HOUR_MS = 3_600_000;

/**
 * Waits out the last `marginMs` before a UTC hour (every budget window, hour, day or month, starts
 * on one), so that a test shorter than that runs within one window: across the hour, its later
 * calls would count into a new window, as they do in production.
 */
export async function clearOfWindowEdge(marginMs = 3000): Promise<void> {
  const untilHour = HOUR_MS - (Date.now() % HOUR_MS);
  if (untilHour < marginMs) await sleep(untilHour + 50);
}

/** Waits until the current promise jobs and one turn of the event loop have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Polls `condition` until it holds, at most `ms` milliseconds. */
export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(5);
  }
}

/** `promise`, or a rejection naming `what` after `ms` milliseconds. */
export function within<T>(promise: Promise<T>, what: string, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Milliseconds `run` takes. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
