import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

test('examples/quickstart.mjs runs as written against local stand-ins and prints what PostHog received', async () => {
  const env = { ...process.env };
  delete env.OPENAI_API_KEY;
  delete env.POSTHOG_API_KEY;
  delete env.POSTHOG_HOST;
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/quickstart.mjs'], {
    cwd: root,
    env,
    timeout: 30_000,
  });
  expect(stdout).toContain('OpenAI answered:');
  expect(stdout).toContain('RateLimitError 429');
  expect(stdout).toContain('PostHog received 2 event(s)');
  expect(stdout).toContain("'demo-user'");
});
