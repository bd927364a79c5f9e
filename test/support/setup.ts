import { inspect } from 'node:util';
import { afterAll, afterEach } from 'vitest';
import { recordProcessErrors } from './process.js';

// Vitest's setup file (vitest.config.ts, setupFiles): in every test file's process, an unhandled
// rejection or an uncaught exception fails the test it happened in (or the next one to end), and
// one that comes after the last test fails the file. Tests that make them on purpose do so in
// child processes (test/unhandled-rejection.test.ts), never in the test file's own.

const errors = recordProcessErrors();
let reported = { unhandled: 0, uncaught: 0 };

/** What arrived since the last check, described for the failure message. */
function takeUnreported(): string[] {
  const found = [
    ...errors.unhandled.slice(reported.unhandled).map((reason) => `unhandled rejection: ${inspect(reason, { depth: 3 })}`),
    ...errors.uncaught.slice(reported.uncaught).map((error) => `uncaught exception: ${inspect(error, { depth: 3 })}`),
  ];
  reported = { unhandled: errors.unhandled.length, uncaught: errors.uncaught.length };
  return found;
}

afterEach(() => {
  const found = takeUnreported();
  if (found.length > 0) throw new Error(`${found.length} unhandled in this file's process, during or just before this test:\n${found.join('\n')}`);
});

// Registered first, so it runs last (hooks run in stack order): after the file's own cleanups.
afterAll(async () => {
  // Node reports a rejection as unhandled once the microtask queue drains: let late ones arrive.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setImmediate(resolve));
  const found = takeUnreported();
  // Anything later still reaches Vitest's own listeners, which report it and fail the run.
  errors.stop();
  if (found.length > 0) throw new Error(`${found.length} unhandled in this file's process after its tests:\n${found.join('\n')}`);
});
