import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:unit`: the inner loop. No build, no child processes, no load or property runs, no
// browser; everything else of `npm test` (which still runs all of it, after a build).
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
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
      ],
      // The few tests of dist/ in the files left are skipped (test/support/build.ts).
      env: { TRACKED_OPENAI_TEST_UNIT: '1' },
      // These files mostly wait on sockets and timers: one fork more than there are cores (Vitest's
      // default, one fewer, runs them one at a time on a 2-core machine).
      maxWorkers: availableParallelism() + 1,
    },
  }),
);
