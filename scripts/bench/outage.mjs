// What a PostHog outage costs the host process, on the two workloads of the hardening issue:
//
// 1. PostHog hangs (accepts connections, never answers), clients use captureImmediate: 4,000 calls
//    at 200 concurrency. Printed: the most PostHog sockets open at once, and how many are still
//    open right after the calls.
// 2. PostHog refuses connections, events are queued: 20,000 calls with distinct 50 KB prompts, at
//    50 concurrency. Printed: the heap growth once the calls are done (after a full GC), and what
//    waits in posthog-node's queue.
//
// OpenAI is answered in-process, so every socket counted is PostHog's. posthog-node runs with its
// defaults (10 s a request, 3 retries, a queue of up to its maxQueueSize events).
//
//   npm run build && node --expose-gc scripts/bench/outage.mjs [path/to/dist/index.js]
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { localPostHog } from '../../test/support/local-posthog.mjs';
import { refusedPort } from '../../test/support/servers.mjs';

const library = process.argv[2] ? pathToFileURL(path.resolve(process.argv[2])).href : new URL('../../dist/index.js', import.meta.url).href;
const { createTrackedOpenAI } = await import(library);
const gc = globalThis.gc ?? (() => {});

const answer = JSON.stringify({
  id: 'chatcmpl-outage',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12_000, completion_tokens: 1, total_tokens: 12_001 },
});
const sdk = () =>
  new OpenAI({
    apiKey: 'sk-outage-bench',
    maxRetries: 0,
    fetch: async () => new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }),
  });

async function inBatches(total, concurrency, call) {
  for (let start = 0; start < total; start += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, total - start) }, (_, j) => call(start + j)));
  }
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
// posthog-node reports each failed delivery and its shutdown timeouts on the console: expected here.
const print = console.log;
console.error = () => {};
console.warn = () => {};
console.log = () => {};

{
  // The tests' local PostHog (test/support/local-posthog.mjs), hanging: it reads each request, never answers.
  const ph = await localPostHog({ hang: true });
  const posthog = new PostHog('phc_outage_bench', { host: ph.host, flushInterval: 0 });
  const openai = createTrackedOpenAI(sdk(), { posthog, captureImmediate: true, immediateTimeoutMs: 1000 });
  const started = performance.now();
  await inBatches(4000, 200, (i) => openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] }));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  print(`PostHog hangs, captureImmediate, 4,000 calls at 200 concurrency (${seconds} s): at most ${ph.connections.maxOpen} PostHog sockets open at once, ${ph.connections.open} still open after the calls`);
  await ph.close();
  await posthog.shutdown(100).catch(() => {});
}

{
  const host = `http://127.0.0.1:${await refusedPort()}`;
  const posthog = new PostHog('phc_outage_bench', { host, flushInterval: 0, fetchRetryCount: 0 });
  posthog.on('error', () => {});
  const openai = createTrackedOpenAI(sdk(), { posthog });
  gc();
  const before = process.memoryUsage().heapUsed;
  await inBatches(20_000, 50, () =>
    openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: randomBytes(25_000).toString('hex') }] }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  const queue = posthog.getPersistedProperty('queue') ?? [];
  const queuedBytes = queue.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item.message)), 0);
  print(
    `PostHog refuses connections, 20,000 calls with 50 KB prompts: heap grew by ${mb(grown)}; posthog-node's queue holds ${queue.length} events, ${mb(queuedBytes)} as JSON`,
  );
  await posthog.shutdown(100).catch(() => {});
}
