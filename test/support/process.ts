import { sleep } from './time.js';

// The test file's process (each file runs in its own fork): what went wrong in it unhandled, and
// what keeps its event loop alive. Nothing here loads nock.

export interface ProcessErrors {
  /** Every unhandled rejection since the file started, in order. */
  readonly unhandled: unknown[];
  /** Every uncaught exception since the file started, in order. */
  readonly uncaught: unknown[];
}

const KEY = Symbol.for('tracked-openai.test.process-errors');

interface Watch extends ProcessErrors {
  stop(): void;
}

/**
 * Starts recording unhandled rejections and uncaught exceptions (once per process: the setup file,
 * test/support/setup.ts, does it before any test file code runs). While it records, Vitest's own
 * listeners stand aside: the setup file is what fails the test and the file.
 */
export function recordProcessErrors(): Watch {
  const store = globalThis as { [KEY]?: Watch };
  if (store[KEY]) return store[KEY];
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  const onException = (error: unknown) => uncaught.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const watch: Watch = {
    unhandled,
    uncaught,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      if (store[KEY] === watch) delete store[KEY];
    },
  };
  store[KEY] = watch;
  return watch;
}

/** What this file's process has seen unhandled so far (recorded by the setup file). */
export function processErrors(): ProcessErrors {
  return recordProcessErrors();
}

/** The kinds of resources keeping the event loop alive, counted by kind. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** The kinds whose count is above the baseline's, after waiting (bounded) for them to go. */
export async function resourcesAbove(baseline: Record<string, number>, waitMs = 2000): Promise<Record<string, number>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = activeResources();
    const above: Record<string, number> = {};
    for (const [kind, count] of Object.entries(now)) {
      const allowed = baseline[kind] ?? 0;
      if (count > allowed) above[kind] = count - allowed;
    }
    if (Object.keys(above).length === 0 || Date.now() > deadline) return above;
    await sleep(20);
  }
}
