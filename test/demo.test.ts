// `npm run demo` is `npm run build && node scripts/demo/demo.mjs`: the build is what `npm test` has
// just done, so this runs the demo's script itself, as a child process, with no keys in the
// environment (so with the local stand-ins), and checks what it printed and its exit code.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { offlineEnv, root } from './helpers/examples.js';

const EXAMPLES = ['quickstart', 'express', 'streaming', 'embeddings', 'responses', 'images-and-audio', 'tool-calls', 'traces', 'serverless', 'migrate', 'debugging', 'budgets'];

test('npm run demo runs the demo script after the build', () => {
  const { scripts } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  expect(scripts.demo).toBe('npm run build && node scripts/demo/demo.mjs');
});

// Ten example processes, three at a time: 16 s measured on a busy 2-core machine (a CI run beside it).
test('the demo runs every example against local stand-ins, prints what PostHog received and totals, and exits 0 by itself', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['scripts/demo/demo.mjs'], { cwd: root, env: offlineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => (stdout += data));
  child.stderr.on('data', (data) => (stderr += data));
  // A demo that left a server or a child running would not exit: give it a bounded time.
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);

  expect(signal, `killed: the demo did not exit by itself\n${stdout}`).toBeNull();
  expect(stderr).toBe('');
  expect(code, stdout).toBe(0);
  expect(stdout).toMatch(/OpenAI: {2}local stand-in at http:\/\/127\.0\.0\.1:\d+\/v1 \(no OPENAI_API_KEY\)/);
  expect(stdout).toMatch(/PostHog: local capture endpoint at http:\/\/127\.0\.0\.1:\d+ \(no POSTHOG_API_KEY\)/);
  expect(stdout).toContain('PostHog connection check (checkPostHog / npx tracked-openai check): OK');
  for (const name of EXAMPLES) expect(stdout).toMatch(new RegExp(`── ${name}: node examples/\\S+ {2}\\(\\d+\\.\\d s\\)\\n`));
  expect(stdout).not.toContain('FAILED');
  // What the examples printed, and what the demo did with the two servers.
  expect(stdout).toContain('OpenAI answered: Hello!');
  expect(stdout).toContain('GET /  → the page with its "Test LLM" button');
  expect(stdout).toMatch(/GET \/api\/test-llm \(what the button calls\) → 200 \{"answer":"Hello!/);
  expect(stdout).toMatch(/GET \/api\/story → 200, \d+ pieces as they were written: Once upon a time/);

  // The table of what PostHog received: one row per event, with model, tokens, cost, latency, trace.
  const received = /What PostHog received: (\d+) events/.exec(stdout);
  expect(Number(received?.[1])).toBeGreaterThanOrEqual(30);
  expect(stdout).toMatch(/#\s+example\s+event\s+model \(or span\)\s+user\s+feature\s+tokens in \/ out\s+cost\s+latency\s+trace\s+note/);
  expect(stdout).toMatch(/quickstart\s+\$ai_generation\s+gpt-4o-mini\s+demo-user\s+quickstart\s+\d+ \/ \d+\s+\$0\.0000\d+\s+0\.\d{3} s\s+[0-9a-f]{8}/);
  expect(stdout).toMatch(/quickstart\s+\$ai_generation\s+rate-limited-model\s+demo-user\s+quickstart\s+- \/ -\s+\d\.\d{3} s\s+[0-9a-f]{8}\s+error 429/);
  expect(stdout).toMatch(/embeddings\s+\$ai_embedding\s+text-embedding-3-small/);
  expect(stdout).toMatch(/streaming\s+\$ai_generation\s+gpt-4o-mini\s+user_7\s+story\s+.*stream completed/);
  expect(stdout).toMatch(/responses\s+\$ai_generation\s+gpt-4\.1-mini\s+user_42\s+assistant\s+\d+ \/ \d+\s+\$0\.0000\d+\s+.*background, end seen/);
  expect(stdout).toMatch(/images-and-audio\s+\$ai_generation\s+gpt-image-1-mini\s+user_42\s+notes\s+\d+ \/ 272\s+\$0\.0\d+\s+.*1 image/);
  expect(stdout).toMatch(/images-and-audio\s+\$ai_generation\s+whisper-1\s+user_42\s+notes\s+- \/ -\s+\$0\.0002\s+.*2 s of audio/);
  expect(stdout).toMatch(/traces\s+\$ai_trace\s+"support-answer"\s+user_42/);
  expect(stdout).toMatch(/debugging\s+\$ai_generation\s+my-finetune-without-a-price\s+.*unknown \(unknown_model\)/);
  // Totals per model, user and feature.
  expect(stdout).toMatch(/Totals per model:\nmodel\s+calls\s+errors\s+input tokens\s+output tokens\s+cost\n/);
  expect(stdout).toMatch(/\ngpt-4o-mini\s+\d+\s+0\s+\d+\s+\d+\s+\$0\.000\d+\n/);
  expect(stdout).toMatch(/Totals per user:\n[\s\S]*\ndemo-user\s+2\s+1\s+/);
  expect(stdout).toMatch(/Totals per feature:\n[\s\S]*\nsupport-bot\s+6\s+0\s+/);
  expect(stdout).toContain('Done: every example ran, and nothing is left running.');
});
