// Serverless functions (AWS Lambda, Vercel, Netlify, Cloud Functions): the platform may freeze or
// end the process as soon as the handler returns, so events still queued in posthog-node are lost.
// Two ways to deliver them before returning:
//
// 1. captureImmediate: true: each tracked call sends its event itself and waits for the delivery
//    (at most immediateTimeoutMs, default 1000 ms) before it returns to you.
// 2. Let posthog-node batch during the invocation, and `await posthog.flush()` before returning.
//
//   npm run build && node examples/serverless.mjs   (calls both handlers as a platform would)
import { pathToFileURL } from 'node:url';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

// Created once per instance (outside the handler), reused by warm invocations.
const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });

// 1. Immediate delivery.
const openai = createTrackedOpenAI(new OpenAI(), { posthog, captureImmediate: true, properties: { feature: 'serverless' } });

export async function handler(event) {
  const { question } = JSON.parse(event.body ?? '{}');
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: question ?? 'Say hello in one sentence.' }],
    posthogDistinctId: event.headers?.['x-user-id'],
  });
  // The event has been delivered (or given up on after 1 s) by the time create() returned.
  return { statusCode: 200, body: JSON.stringify({ answer: completion.choices[0].message.content }) };
}

// 2. Batching, flushed before returning.
const batchingOpenAI = createTrackedOpenAI(new OpenAI(), { posthog, properties: { feature: 'serverless-flush' } });

export async function handlerWithFlush(event) {
  try {
    const { question } = JSON.parse(event.body ?? '{}');
    const completion = await batchingOpenAI.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question ?? 'Say hello in one sentence.' }],
      posthogDistinctId: event.headers?.['x-user-id'],
    });
    return { statusCode: 200, body: JSON.stringify({ answer: completion.choices[0].message.content }) };
  } finally {
    await posthog.flush(); // flush(), not shutdown(): the instance may be reused for the next invocation
  }
}

// Run as a program (not imported by a platform): call both handlers once, as a platform would.
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const request = { body: JSON.stringify({ question: 'Hello from a serverless function!' }), headers: { 'x-user-id': 'user_42' } };
  console.log('handler:', (await handler(request)).body);
  console.log('handlerWithFlush:', (await handlerWithFlush(request)).body);
  // No posthog.shutdown() here, on purpose: like a frozen function, nothing runs after the handlers,
  // and the events have still arrived.
  process.exit(0);
}
