// The behaviour checked in each runtime (Bun, Deno, the edge-runtime package, workerd): a tracked
// client against the local OpenAI, events to the local PostHog. Plain JavaScript with nothing but
// web-standard APIs, so that every runtime runs the same file (bundled for the edge ones). Each
// scenario's events carry the distinct id `<runtime>-<scenario>`, which test/runtimes.test.ts looks for
// at the capture endpoint; what the caller sees is checked here and reported.

/**
 * @param {{ runtime: string; openaiURL: string; posthogHost: string; OpenAI: any; Stream: any; PostHog: any; lib: any; otel: unknown; finishedSpans: () => any[] }} setup
 *   `otel`: the `otel` option to check (`true` where @opentelemetry/api loads, else `{ tracer }`);
 *   `finishedSpans`: the spans the OpenTelemetry SDK's in-memory exporter holds
 * @returns {Promise<{ results: Record<string, string>; posthog: any; immediate: any }>}
 *   `results`: per scenario, `ok` or what went wrong (`unavailable` where the runtime lacks what it needs)
 */
export async function runScenarios({ runtime, openaiURL, posthogHost, OpenAI, Stream, PostHog, lib, otel, finishedSpans }) {
  const { createTrackedOpenAI, withTracking, trace, isContextAvailable } = lib;
  /** @type {Record<string, string>} */
  const results = {};
  const posthog = new PostHog('phc_runtime_test', { host: posthogHost, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0 });
  const client = (extra = {}) =>
    createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openaiURL, maxRetries: 0 }), { posthog, ...extra });
  const id = (scenario) => `${runtime}-${scenario}`;
  const messages = [{ role: 'user', content: 'hi' }];

  async function check(name, run) {
    try {
      const outcome = await run();
      results[name] = outcome ?? 'ok';
    } catch (error) {
      results[name] = `failed: ${error && error.stack ? error.stack : String(error)}`;
    }
  }
  function expectEqual(actual, expected, what) {
    if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }

  await check('chat', async () => {
    // Priced as OpenAI (the local server would be unpriced): the runtime must find the price table.
    const completion = await client({ distinctId: id('chat'), provider: 'openai' }).chat.completions.create({ model: 'gpt-4o-mini', messages });
    expectEqual(completion.choices[0].message.content, 'echo: hi', 'content');
    expectEqual(typeof completion._request_id, 'string', 'request id');
  });

  await check('stream', async () => {
    const stream = await client({ distinctId: id('stream') }).chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expectEqual(text, 'echo: hi', 'streamed text');
    expectEqual(stream instanceof Stream, true, 'the SDK Stream class');
  });

  await check('error', async () => {
    try {
      await client({ distinctId: id('error') }).chat.completions.create({ model: 'rate-limited-model', messages });
      throw new Error('no error');
    } catch (error) {
      expectEqual(error instanceof OpenAI.RateLimitError, true, 'RateLimitError');
      expectEqual(error.status, 429, 'status');
    }
  });

  await check('embeddings', async () => {
    const result = await client({ distinctId: id('embeddings') }).embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' });
    expectEqual(result.data.length, 1, 'vectors');
  });

  await check('context', async () => {
    if (!isContextAvailable()) return 'unavailable';
    const openai = client();
    await withTracking({ distinctId: id('context'), traceId: `${runtime}-context-trace` }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    });
  });

  await check('trace', async () => {
    if (!isContextAvailable()) return 'unavailable';
    const openai = client();
    await withTracking({ distinctId: id('trace') }, () =>
      trace(`${runtime}-trace`, async () => {
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      }),
    );
  });

  await check('otel', async () => {
    const openai = client({ distinctId: id('otel'), otel });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const _chunk of stream);
    // The spans end with the events, built in the task after each call.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const spans = finishedSpans().filter((span) => span.name === 'chat gpt-4o-mini');
    expectEqual(spans.length, 2, 'spans');
    for (const span of spans) {
      expectEqual(span.attributes['gen_ai.operation.name'], 'chat', 'operation');
      expectEqual(span.attributes['gen_ai.usage.output_tokens'], 3, 'output tokens');
    }
    expectEqual(spans[1].attributes['tracked_openai.stream.ending'], 'completed', 'stream ending');
  });

  await posthog.shutdown();

  // Last: the event sent before the call resolves, with nothing flushed afterwards. The runner
  // ends (or answers) right after this, as a serverless function does.
  const immediate = new PostHog('phc_runtime_test', { host: posthogHost, flushAt: 1000, flushInterval: 0, fetchRetryCount: 0 });
  await check('captureImmediate', async () => {
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: openaiURL, maxRetries: 0 }), {
      posthog: immediate,
      captureImmediate: true,
      distinctId: id('captureImmediate'),
    });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
  });
  return { results, posthog, immediate };
}
