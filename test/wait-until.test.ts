import { OpenAI } from 'openai';
import { PostHog } from 'posthog-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { echoChat, localOpenAI, type LocalOpenAI } from './support/local-openai.mjs';
import { localPostHog, type LocalPostHog } from './support/local-posthog.mjs';
import { waitFor } from './support/time.js';
import { posthogNodeAtLeast } from './support/versions.js';

// posthog-node given the platform's waitUntil (Vercel, Workers): the platform may never run a task
// scheduled after the response, so the event is handed to posthog-node as the call ends, and
// posthog-node hands its delivery to waitUntil within the task the call ended in. (The runtimes
// test checks the same in workerd and the Edge runtime.)

let openai: LocalOpenAI;
let capture: LocalPostHog;
beforeAll(async () => {
  openai = await localOpenAI(echoChat);
  capture = await localPostHog();
});
afterAll(async () => {
  await openai.close();
  await capture.close();
});

// posthog-node's `waitUntil` option arrived in 5.27.0; older ones ignore it.
test.skipIf(!posthogNodeAtLeast('5.27.0'))('with posthog-node waitUntil, the delivery is handed to waitUntil in the task the call ends in', async () => {
  const handed: Promise<unknown>[] = [];
  const posthog = new PostHog('phc_test', { host: capture.host, flushAt: 1, flushInterval: 0, fetchRetryCount: 0, waitUntil: (promise) => handed.push(promise) });
  const client = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openai.baseURL, maxRetries: 0 }), { posthog, distinctId: 'wait-until' });
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  // posthog-node's capture() queues a few promise turns later: still within this task, before any
  // later task (which a platform that has sent its response may never run).
  let nextTaskRan = false;
  setImmediate(() => (nextTaskRan = true));
  for (let turn = 0; turn < 20 && handed.length === 0; turn++) await Promise.resolve();
  expect(nextTaskRan).toBe(false);
  expect(handed.length).toBeGreaterThan(0);
  await Promise.all(handed);
  await waitFor(() => capture.events.some((event) => event.distinct_id === 'wait-until'));
  await posthog.shutdown();
});
