import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  define: { __TRACKED_OPENAI_VERSION__: JSON.stringify(version) },
  test: {
    // nock patches globals per process: keep each test file in its own fork.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    // An unhandled rejection or uncaught exception in a test file's process fails that file.
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 15000,
  },
});
