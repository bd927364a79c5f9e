// End to end, the guide's flow in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core) opens the Express example's page, clicks "Test LLM"; the page calls
// /api/test-llm, which makes a tracked call to the local OpenAI stand-in; the answer shows on the
// page, and the $ai_generation event reaches the local capture endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, test } from 'vitest';
import { eventsFrom, exampleEnv, localStandIns, startServerExample, waitFor } from './helpers/examples.js';
import { missingPart, realPart } from './support/real-parts.js';

const HOW_TO_GET_CHROMIUM =
  "install Debian's chromium (`apt-get update && apt-get install -y chromium`; .ci/run does) or set CHROMIUM_PATH, then run `npx vitest run test/browser.test.ts`";
const browserPart = realPart('browser test (Chromium)', [process.env.CHROMIUM_PATH, '/usr/bin/chromium'], HOW_TO_GET_CHROMIUM);
// As root, on a machine with no outside network: no sandbox, and no background connections.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const standIns = localStandIns();

test.skipIf(browserPart.skip)('Chromium: the page\'s button calls /api/test-llm, the answer shows, and the event reaches PostHog; a 429 shows plainly', { timeout: 60_000 }, async () => {
  const executablePath = browserPart.path;
  if (!executablePath) throw missingPart('Chromium', HOW_TO_GET_CHROMIUM);
  const server = await startServerExample('examples/express/server.mjs', exampleEnv(standIns.fake, standIns.capture, 'browser'));
  const userDataDir = mkdtempSync(join(tmpdir(), 'tracked-openai-chromium-'));
  let code: number | null = null;
  try {
    const browser = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: CHROMIUM_FLAGS });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(server.url);
      expect(await page.title()).toBe('Test LLM tracking');

      await page.getByRole('button', { name: 'Test LLM' }).click();
      const answer = page.locator('#answer');
      await answer.filter({ hasText: 'Hello!' }).waitFor({ timeout: 10_000 });
      expect(await answer.textContent()).toBe('Hello! PostHog LLM analytics is now recording this call: its model, tokens, cost and latency.');
      expect(await page.locator('#details').textContent()).toMatch(/^gpt-4o-mini-2024-07-18, \d+ tokens\. Tracked in PostHog\.$/);

      // flushAt: 1 in the example: the event is on its way as soon as the call ends.
      await waitFor(() => eventsFrom(standIns.capture, 'browser').length === 1);
      const [event] = eventsFrom(standIns.capture, 'browser');
      expect(event!.event).toBe('$ai_generation');
      expect(event!.properties).toMatchObject({
        $ai_model: 'gpt-4o-mini',
        $ai_provider: 'openai',
        $ai_http_status: 200,
        $ai_is_error: false,
        feature: 'llm-test-button',
        $ai_output_choices: [{ role: 'assistant', content: 'Hello! PostHog LLM analytics is now recording this call: its model, tokens, cost and latency.' }],
      });
      expect(event!.properties.$ai_input_tokens).toBeGreaterThan(0);
      expect(event!.properties.$ai_total_cost_usd).toBeGreaterThan(0);

      // The guide's "Common issues" #1: OpenAI's 429 is shown as such, and the attempt is tracked.
      standIns.fake.failWith(429);
      try {
        await page.getByRole('button', { name: 'Test LLM' }).click();
        await answer.filter({ hasText: '429' }).waitFor({ timeout: 10_000 });
      } finally {
        standIns.fake.failWith(null);
      }
      expect(await answer.textContent()).toBe('OpenAI quota or rate limit reached (429). PostHog still tracked the attempt.');
      expect(await answer.getAttribute('class')).toBe('error');
      await waitFor(() => eventsFrom(standIns.capture, 'browser').length === 2);
      expect(eventsFrom(standIns.capture, 'browser')[1]!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429 });
    } finally {
      await browser.close();
    }
  } finally {
    code = await server.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  expect(code).toBe(0);
});
