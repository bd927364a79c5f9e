import { OpenAI } from 'openai';
import { expect, test } from 'vitest';
import { createTrackedOpenAI, span, trace, withTracking } from '../src/index.js';
import { echoChat, localOpenAI } from './support/local-openai.mjs';
import { localPostHog } from './support/local-posthog.mjs';
import { newPostHog } from './support/posthog-client.js';
import { sleep } from './support/time.js';

// 1,000 concurrent tracked requests, each in its own withTracking(), against 127.0.0.1 stand-ins for
// OpenAI and PostHog's /batch/. This file loads no nock: nock's fetch interceptor costs time
// quadratic in the number of requests in flight, which would dominate a test of this size.

const API_KEY = 'sk-test-concurrency-0123456789SECRET';

/** A posthog-node client on the local PostHog, holding all 3,000 events of a test for one flush. */
async function localPostHogClient() {
  const server = await localPostHog();
  const posthog = newPostHog(server.host, { flushAt: 5000, maxBatchSize: 5000, maxQueueSize: 10_000, requestTimeout: 10_000 });
  return { posthog, events: server.events, server };
}

test('1,000 concurrent requests, each in its own withTracking, give 1,000 events with their own context and no cross-talk', async () => {
  const N = 1000;
  const openaiServer = await localOpenAI(echoChat, { keep: false });
  const ph = await localPostHogClient();
  try {
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: API_KEY, baseURL: openaiServer.baseURL, maxRetries: 0 }), {
      posthog: ph.posthog,
      properties: { service: 'api' },
    });
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withTracking(
          {
            distinctId: `user-${i}`,
            traceId: `trace-${i}`,
            sessionId: `session-${i % 7}`,
            properties: { request: i },
            groups: { company: `co-${i}` },
            privacyMode: i % 10 === 0,
          },
          async () => {
            // Interleave: each request waits a different time before and after its call.
            await sleep(i % 5);
            const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${i}` }] });
            await sleep((N - i) % 3);
            return completion.choices[0]!.message.content;
          },
        ),
      ),
    );
    const elapsed = performance.now() - started;
    results.forEach((content, i) => expect(content).toBe(`echo: request ${i}`));

    await ph.posthog.flush();
    expect(ph.events).toHaveLength(N);
    const seen = new Set<number>();
    for (const event of ph.events) {
      const i = event.properties.request as number;
      expect(typeof i).toBe('number');
      seen.add(i);
      expect(event.distinct_id).toBe(`user-${i}`);
      expect(event.properties.$ai_trace_id).toBe(`trace-${i}`);
      expect(event.properties.$ai_session_id).toBe(`session-${i % 7}`);
      expect(event.properties.$groups).toEqual({ company: `co-${i}` });
      expect(event.properties.service).toBe('api');
      if (i % 10 === 0) {
        expect(event.properties.$ai_input).toBeNull();
        expect(event.properties.$ai_output_choices).toBeNull();
      } else {
        expect(event.properties.$ai_input).toEqual([{ role: 'user', content: `request ${i}` }]);
        expect(event.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: `echo: request ${i}` }]);
      }
    }
    expect(seen.size).toBe(N);
    expect(JSON.stringify(ph.events)).not.toContain(API_KEY);
    expect(elapsed, `1,000 calls took ${Math.round(elapsed)} ms`).toBeLessThan(10_000);
  } finally {
    await ph.posthog.shutdown();
    await ph.server.close();
    await openaiServer.close();
  }
});

test('100 concurrent traces, each with a span and a call, build 100 separate trees', async () => {
  const N = 100;
  const openaiServer = await localOpenAI(echoChat, { keep: false });
  const ph = await localPostHogClient();
  try {
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: API_KEY, baseURL: openaiServer.baseURL, maxRetries: 0 }), { posthog: ph.posthog });
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        trace(
          `request-${i}`,
          async () => {
            await sleep(i % 4);
            await span(`step-${i}`, async () => {
              await sleep((N - i) % 3);
              await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `request ${i}` }] });
            });
          },
          { distinctId: `user-${i}` },
        ),
      ),
    );
    // posthog-node queues a capture a few promise turns later, and its flush() waits for captures
    // on their way only from 5.39.2: flush until all are in (a bounded number of times).
    for (let attempt = 0; attempt < 20 && ph.events.length < 3 * N; attempt++) {
      await ph.posthog.flush();
      if (ph.events.length < 3 * N) await sleep(10);
    }
    expect(ph.events).toHaveLength(3 * N);
    for (let i = 0; i < N; i++) {
      const traceEvent = ph.events.find((e) => e.event === '$ai_trace' && e.properties.$ai_span_name === `request-${i}`)!;
      const spanEvent = ph.events.find((e) => e.event === '$ai_span' && e.properties.$ai_span_name === `step-${i}`)!;
      const generation = ph.events.find((e) => e.event === '$ai_generation' && e.properties.$ai_input[0].content === `request ${i}`)!;
      const traceId = traceEvent.properties.$ai_trace_id;
      expect(spanEvent.properties.$ai_trace_id).toBe(traceId);
      expect(spanEvent.properties.$ai_parent_id).toBe(traceId);
      expect(generation.properties.$ai_trace_id).toBe(traceId);
      expect(generation.properties.$ai_parent_id).toBe(spanEvent.properties.$ai_span_id);
      for (const event of [traceEvent, spanEvent, generation]) expect(event.distinct_id).toBe(`user-${i}`);
    }
    expect(new Set(ph.events.filter((e) => e.event === '$ai_trace').map((e) => e.properties.$ai_trace_id)).size).toBe(N);
  } finally {
    await ph.posthog.shutdown();
    await ph.server.close();
    await openaiServer.close();
  }
});
