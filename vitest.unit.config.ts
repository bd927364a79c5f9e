import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:unit`: the inner loop. No build, no child processes, no load or property runs, no
// browser; everything else of `npm test` (which still runs all of it, after a build, each file in a
// fresh process).
const excluded = [
  ...configDefaults.exclude,
  // Run the built package (dist/) or the examples in child processes, or need a build.
  'test/package.test.ts',
  'test/unhandled-rejection.test.ts',
  'test/budgets-processes.test.ts',
  'test/examples.test.ts',
  'test/examples-nextjs.test.ts',
  'test/demo.test.ts',
  'test/browser.test.ts',
  // Load and property runs.
  'test/concurrency.test.ts',
  'test/outage.test.ts',
  'test/faults-load.test.ts',
  'test/faults-property.test.ts',
];

// Files that read what a process keeps once (the PostHog client traces go to, the warnings shown
// once, the context storage, budgets' and pricing's module state): each in a fresh process, as in
// `npm test`. The others share their fork's loaded modules, which saves their imports.
const freshProcess = [
  'test/context-storage.test.ts',
  'test/context-unavailable.test.ts',
  'test/context.test.ts',
  'test/event-rules.test.ts',
  'test/events.test.ts',
  'test/limits.test.ts',
  'test/outbox.test.ts',
  'test/privacy.test.ts',
  'test/trace-routing.test.ts',
  'test/traces.test.ts',
  'test/budgets-redis.test.ts',
  'test/budgets.test.ts',
  'test/debug-log.test.ts',
  'test/faults-input.test.ts',
  'test/faults-posthog.test.ts',
  'test/harmless.test.ts',
  'test/pricing-events.test.ts',
];

// Each project is the base config with its own files (written out: merging would add the base's
// `include` to theirs). The few tests of dist/ in the files left are skipped (test/support/build.ts).
const project = (name: string, files: { include: string[]; exclude: string[] }, isolate: boolean) => ({
  define: base.define,
  test: { ...base.test, name, ...files, isolate, env: { TRACKED_OPENAI_TEST_UNIT: '1' } },
});

export default defineConfig({
  test: {
    // These files mostly wait on sockets and timers: one fork more than there are cores (Vitest's
    // default, one fewer, runs them one at a time on a 2-core machine).
    maxWorkers: availableParallelism() + 1,
    projects: [
      project('fresh process', { include: freshProcess, exclude: excluded }, true),
      project('shared', { include: base.test!.include!, exclude: [...excluded, ...freshProcess] }, false),
    ],
  },
});
