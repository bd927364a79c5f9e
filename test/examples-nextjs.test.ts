// The Next.js example's route handlers, called as Next calls them: GET(request) / POST(request)
// with web-standard Request objects, no Next installed. The clients in lib/posthog-openai.ts read
// their settings from the environment when first imported, so the environment is set first.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CaptureEndpoint, type FakeOpenAI, startCaptureEndpoint, startFakeOpenAI } from '../scripts/demo/local-services.mjs';
import { eventsFrom } from './helpers/examples.js';

let fake: FakeOpenAI;
let capture: CaptureEndpoint;
let testLlm: typeof import('../examples/nextjs/app/api/test-llm/route.js');
let chat: typeof import('../examples/nextjs/app/api/chat/route.js');
let lib: typeof import('../examples/nextjs/lib/posthog-openai.js');

beforeAll(async () => {
  fake = await startFakeOpenAI();
  capture = await startCaptureEndpoint();
  process.env.OPENAI_API_KEY = 'sk-test-nextjs';
  process.env.OPENAI_BASE_URL = fake.baseURL;
  process.env.POSTHOG_API_KEY = 'phc_test_nextjs';
  process.env.POSTHOG_HOST = `${capture.host}/nextjs`;
  lib = await import('../examples/nextjs/lib/posthog-openai.js');
  testLlm = await import('../examples/nextjs/app/api/test-llm/route.js');
  chat = await import('../examples/nextjs/app/api/chat/route.js');
});

afterAll(async () => {
  await lib?.posthog.shutdown();
  await fake?.close();
  await capture?.close();
});

describe('examples/nextjs', () => {
  test('GET /api/test-llm answers, and its event has reached PostHog when the handler returns (captureImmediate)', async () => {
    const response = await testLlm.GET(new Request('http://localhost:3000/api/test-llm?user=user_42'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      answer: 'Hello! PostHog LLM analytics is now recording this call: its model, tokens, cost and latency.',
      model: 'gpt-4o-mini-2024-07-18',
      tokens: expect.any(Number),
    });
    const events = eventsFrom(capture, 'nextjs');
    expect(events).toHaveLength(1);
    expect(events[0]!.distinct_id).toBe('user_42');
    expect(events[0]!.properties).toMatchObject({ $ai_model: 'gpt-4o-mini', feature: 'llm-test-button', $ai_http_status: 200 });
  });

  test('a 429 from OpenAI becomes a 429 answer saying so; the attempt is tracked', async () => {
    fake.failWith(429);
    const response = await testLlm.GET(new Request('http://localhost:3000/api/test-llm')).finally(() => fake.failWith(null));
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: 'OpenAI quota or rate limit reached (429). PostHog still tracked the attempt.' });
    const last = eventsFrom(capture, 'nextjs').at(-1)!;
    expect(last.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429 });
  });

  test('POST /api/chat streams the answer as text; the call is tracked when the stream ends', async () => {
    const response = await chat.POST(
      new Request('http://localhost:3000/api/chat', { method: 'POST', body: JSON.stringify({ question: 'Tell me a story' }) }),
    );
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const pieces: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) pieces.push(decoder.decode(chunk));
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join('')).toBe('Once upon a time, a small program streamed its answer one word at a time, and PostHog counted every token.');
    const last = eventsFrom(capture, 'nextjs').at(-1)!;
    expect(last.properties).toMatchObject({ $ai_stream: true, $ai_stream_ending: 'completed', feature: 'chat' });
    expect(last.properties.$ai_output_tokens).toBeGreaterThan(0);
  });

  test('POST /api/chat: a reader that cancels mid-answer aborts the OpenAI request; tracked with the partial answer', async () => {
    const before = eventsFrom(capture, 'nextjs').length;
    const response = await chat.POST(new Request('http://localhost:3000/api/chat', { method: 'POST', body: '{}' }));
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const deadline = Date.now() + 3000;
    while (eventsFrom(capture, 'nextjs').length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const last = eventsFrom(capture, 'nextjs').at(-1)!;
    expect(last.properties).toMatchObject({ $ai_stream: true, $ai_stream_ending: 'aborted', $ai_is_error: false });
    expect(last.properties.$ai_output_choices[0].content.length).toBeGreaterThan(0);
  });
});
