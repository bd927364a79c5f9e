import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { MAX_IMMEDIATE_IN_FLIGHT } from '../src/backlog.js';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletion } from './support/openai.js';
import type { ReceivedEvent } from './support/posthog.js';
import { localPostHog } from './support/local-posthog.mjs';
import { fileGuards } from './support/tracked.js';
import { settle, sleep } from './support/time.js';

// What a PostHog outage costs the host: sockets while PostHog hangs, memory while it refuses
// connections. The figures for the full workloads: `node scripts/bench/outage.mjs`.

fileGuards();

/** An SDK client answered in-process (no sockets of its own), so that every socket counted is PostHog's. */
function inProcessOpenAI(): OpenAI {
  const answer = JSON.stringify(chatCompletion());
  return new OpenAI({
    apiKey: 'sk-test-outage',
    maxRetries: 0,
    fetch: async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }),
  });
}

async function inBatches(total: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < total; start += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, total - start) }, (_, j) => call(start + j)));
  }
}

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('PostHog hangs, captureImmediate', () => {
  test(`4,000 calls at 200 concurrency hold at most ${MAX_IMMEDIATE_IN_FLIGHT} deliveries (+ one batch) open; the rest go through the queue`, async () => {
    const posthogServer = await localPostHog({ hang: true });
    // posthog-node's defaults for how long it holds on: 10 s a request, 3 retries.
    const posthog = new PostHog('phc_outage', { host: posthogServer.host, flushAt: 20, flushInterval: 0, disableCompression: true });
    closers.push(posthogServer.close, () => posthog.shutdown(100).catch(() => {})); // posthog-node 4 rejects on its timeout
    const lines: string[] = [];
    const openai = createTrackedOpenAI(inProcessOpenAI(), {
      posthog,
      captureImmediate: true,
      immediateTimeoutMs: 5,
      debug: (line) => lines.push(line),
    });

    await inBatches(4000, 200, (i) =>
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] }),
    );
    await sleep(50);
    expect(posthogServer.connections.maxOpen).toBeLessThanOrEqual(MAX_IMMEDIATE_IN_FLIGHT + 1);
    expect(posthogServer.connections.maxOpen).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes('immediate deliveries are still in flight'))).toHaveLength(1);
  }, 30_000);
});

describe('PostHog refuses connections: a byte bound on what waits for it', () => {
  test('past half of maxQueuedBytes events go without content, at it they are dropped; once PostHog takes events, they are whole again', async () => {
    const posthogServer = await localPostHog({ reset: true });
    const posthog = new PostHog('phc_outage', {
      host: posthogServer.host,
      flushAt: 20,
      flushInterval: 0,
      fetchRetryCount: 0,
      disableCompression: true,
      maxQueueSize: 100_000,
    });
    closers.push(posthogServer.close, () => posthog.shutdown(1000).catch(() => {}));
    posthog.on('error', () => {}); // the refused deliveries, expected
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {}); // posthog-node reports each one too
    closers.push(async () => quiet.mockRestore());
    const lines: string[] = [];
    const maxQueuedBytes = 1_000_000;
    const openai = createTrackedOpenAI(inProcessOpenAI(), { posthog, maxQueuedBytes, debug: (line) => lines.push(line) });
    const prompt = (i: number) => `${i} ${'p'.repeat(50_000)}`;

    // 50 KB prompts: about 10 whole events fill half of 1 MB, then a few hundred without content.
    await inBatches(2000, 50, (i) => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt(i) }] }));
    await settle();
    const queue = ((posthog as unknown as { getPersistedProperty(key: string): { message: ReceivedEvent }[] }).getPersistedProperty('queue') ?? []).map(
      (item) => item.message,
    );
    const queuedBytes = queue.reduce((sum, message) => sum + Buffer.byteLength(JSON.stringify(message.properties)), 0);
    expect(queuedBytes).toBeLessThanOrEqual(maxQueuedBytes * 1.05); // estimates, within a few percent
    expect(queuedBytes).toBeGreaterThan(maxQueuedBytes * 0.9);
    const whole = queue.filter((message) => Array.isArray(message.properties.$ai_input));
    const slim = queue.filter((message) => message.properties.$ai_input === '[removed: PostHog was not taking events]');
    expect(whole.length).toBeGreaterThanOrEqual(8);
    expect(whole.length).toBeLessThanOrEqual(10);
    expect(slim.length).toBeGreaterThan(whole.length);
    expect(slim[0]!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', $ai_input_tokens: 12, $ai_output_tokens: 5, $ai_is_error: false });
    expect(slim[0]!.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(whole.length + slim.length).toBeLessThan(2000); // the rest were dropped
    expect(lines.filter((line) => line.includes('events go without their input and output'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('events are dropped'))).toHaveLength(1);

    // PostHog is back: the queue drains, and the next events are whole.
    posthogServer.behaviour = {};
    await posthog.flush();
    expect(lines.filter((line) => line.includes('PostHog is taking events again'))).toHaveLength(1);
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt(-1) }] });
    await posthog.flush();
    const last = posthogServer.events.at(-1)!;
    expect(last.properties.$ai_input).toEqual([{ role: 'user', content: prompt(-1) }]);
  }, 60_000);

  test('maxQueuedBytes is checked when the client is created', () => {
    const posthog = { capture() {} };
    expect(() => createTrackedOpenAI(inProcessOpenAI(), { posthog, maxQueuedBytes: 10 })).toThrow(/option `maxQueuedBytes` must be a number >= 100000/);
    expect(() => createTrackedOpenAI(inProcessOpenAI(), { posthog, maxQueuedBytes: Number.NaN })).toThrow(/maxQueuedBytes/);
    expect(() => createTrackedOpenAI(inProcessOpenAI(), { posthog, maxQueuedBytes: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});
