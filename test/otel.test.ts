import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetExceededError, createTrackedOpenAI } from '../src/index.js';
import { chatCompletionFor, echoChat, embeddingsFor, localOpenAI, type LocalOpenAI, promptOf, sendJson, sendSse, sseServer } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { responsesEvents, RESPONSES_USAGE } from './support/sse.js';
import { waitFor } from './support/time.js';

// Each tracked call as an OpenTelemetry span (the `otel` option), recorded by the OpenTelemetry SDK
// with an in-memory exporter, against OpenAI on 127.0.0.1: the span's parent, its GenAI attributes
// per API, streams, errors, and the PostHog event naming the span.

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const appTracer = provider.getTracer('app');
const contextManager = new AsyncLocalStorageContextManager().enable();

let server: LocalOpenAI;
beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  server = await localOpenAI((entry) => {
    const { request, response, body } = entry;
    const path = request.url ?? '';
    if (body.model === 'rate-limited-model') {
      sendJson(response, 429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    } else if (path.endsWith('/embeddings')) {
      sendJson(response, 200, embeddingsFor(body));
    } else if (path.endsWith('/responses')) {
      if (body.stream === true) sendSse(response, responsesEvents('completed'), { done: false });
      else sendJson(response, 200, responsesResponse());
    } else if (path.endsWith('/chat/completions') && body.n === 2 && body.stream !== true) {
      const completion = chatCompletionFor(`echo: ${promptOf(body)}`, body.model);
      const second = { ...completion.choices[0]!, index: 1, finish_reason: 'length' };
      sendJson(response, 200, { ...completion, choices: [...completion.choices, second], system_fingerprint: 'fp_1' });
    } else if (path.endsWith('/completions') && !path.endsWith('/chat/completions')) {
      sendJson(response, 200, legacyCompletion(body));
    } else {
      // Answer a little later so that concurrent calls overlap.
      setTimeout(() => echoChat(entry), 5);
    }
  });
});
afterAll(async () => {
  await server.close();
  context.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

function responsesResponse() {
  return {
    id: 'resp_1',
    object: 'response',
    created_at: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    status: 'completed',
    output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi there!', annotations: [] }] }],
    usage: RESPONSES_USAGE,
  };
}

function legacyCompletion(body: Record<string, unknown>) {
  return {
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, text: ' world', logprobs: null, finish_reason: 'length' }],
    usage: { prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 },
  };
}

function tracked(extra: Record<string, unknown> = {}, baseURL = server.baseURL) {
  const ph = recordingPostHog();
  // `provider: 'openai'`: the local server stands in for OpenAI, so that calls are priced.
  const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 }), {
    posthog: ph.posthog,
    provider: 'openai',
    otel: { tracer },
    ...extra,
  });
  return { openai, messages: ph.messages };
}

/** The spans of the tracked calls (not the test's own), once `count` have ended. */
async function callSpans(count: number): Promise<ReadableSpan[]> {
  await waitFor(() => exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'test').length >= count);
  return exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'test');
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a span per call', () => {
  test('chat: a client span under the active span, with the GenAI attributes, the cost, and the event naming it', async () => {
    const { openai, messages } = tracked();
    await appTracer.startActiveSpan('GET /ask', async (requestSpan) => {
      await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
        temperature: 0.2,
        max_completion_tokens: 50,
        top_p: 0.9,
        stop: ['END'],
        seed: 7,
      });
      requestSpan.end();
    });
    const [span] = await callSpans(1);
    const requestSpan = exporter.getFinishedSpans().find((s) => s.name === 'GET /ask')!;
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.kind).toBe(2); // CLIENT
    expect(span!.parentSpanContext?.spanId).toBe(requestSpan.spanContext().spanId);
    expect(span!.spanContext().traceId).toBe(requestSpan.spanContext().traceId);
    expect(span!.status.code).toBe(0); // UNSET: not an error
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'openai.api.type': 'chat_completions',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.baseURL).port),
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.response.id': 'chatcmpl-local',
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'tracked_openai.cost.input_usd': expect.any(Number),
      'tracked_openai.cost.output_usd': expect.any(Number),
      'tracked_openai.cost.total_usd': expect.any(Number),
      'tracked_openai.posthog.trace_id': expect.any(String),
    });
    const event = messages[0]!;
    expect(event.properties.$ai_otel_trace_id).toBe(span!.spanContext().traceId);
    expect(event.properties.$ai_otel_span_id).toBe(span!.spanContext().spanId);
    expect(span!.attributes['tracked_openai.posthog.trace_id']).toBe(event.properties.$ai_trace_id);
    expect(span!.attributes['tracked_openai.cost.total_usd']).toBe(event.properties.$ai_total_cost_usd);
    expect(event.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    // The span lasts as long as the event says the call did.
    const durationSeconds = span!.duration[0] + span!.duration[1] / 1e9;
    expect(durationSeconds).toBeCloseTo(event.properties.$ai_latency, 3);
  });

  test("the SDK's request runs with the call's span active: an HTTP span would be its child", async () => {
    const activeAtFetch: (string | undefined)[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      activeAtFetch.push(trace.getActiveSpan()?.spanContext().spanId);
      return fetch(input, init);
    };
    const ph = recordingPostHog();
    const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0, fetch: recordingFetch }), {
      posthog: ph.posthog,
      otel: { tracer },
    });
    await appTracer.startActiveSpan('GET /ask', async (requestSpan) => {
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      // After the call, the caller's span is the active one again.
      expect(trace.getActiveSpan()).toBe(requestSpan);
      requestSpan.end();
    });
    const [span] = await callSpans(1);
    expect(activeAtFetch).toEqual([span!.spanContext().spanId]);
  });

  test('with no active span: a root span of its own trace', async () => {
    const { openai, messages } = tracked();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const [span] = await callSpans(1);
    expect(span!.parentSpanContext).toBeUndefined();
    expect(messages[0]!.properties.$ai_otel_span_id).toBe(span!.spanContext().spanId);
  });

  test('chat with n: 2: every choice\'s finish reason, the choice count and the fingerprint', async () => {
    const { openai } = tracked();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], n: 2, response_format: { type: 'json_object' } });
    const [span] = await callSpans(1);
    expect(span!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);
    expect(span!.attributes['gen_ai.request.choice.count']).toBe(2);
    expect(span!.attributes['gen_ai.output.type']).toBe('json');
    expect(span!.attributes['openai.response.system_fingerprint']).toBe('fp_1');
  });

  test('Responses: chat over the responses API, cached and reasoning tokens', async () => {
    const { openai } = tracked();
    await openai.responses.create({ model: 'gpt-4o-mini', input: 'Hi', max_output_tokens: 100 });
    const [span] = await callSpans(1);
    expect(span!.name).toBe('chat gpt-4o-mini');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'openai.api.type': 'responses',
      'gen_ai.request.max_tokens': 100,
      'gen_ai.response.id': 'resp_1',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['completed'],
      'gen_ai.usage.input_tokens': 20,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.usage.cache_read.input_tokens': 10,
      'gen_ai.usage.reasoning.output_tokens': 3,
    });
  });

  test('embeddings: the embeddings operation, dimensions and encoding format, input tokens only', async () => {
    const { openai } = tracked();
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 3, encoding_format: 'float' });
    const [span] = await callSpans(1);
    expect(span!.name).toBe('embeddings text-embedding-3-small');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.embeddings.dimension.count': 3,
      'gen_ai.request.encoding_formats': ['float'],
      'gen_ai.usage.input_tokens': 8,
    });
    expect(span!.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  test('legacy completions: text_completion', async () => {
    const { openai } = tracked();
    await openai.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hello', max_tokens: 5 });
    const [span] = await callSpans(1);
    expect(span!.name).toBe('text_completion gpt-3.5-turbo-instruct');
    expect(span!.attributes).toMatchObject({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.request.max_tokens': 5,
      'gen_ai.response.finish_reasons': ['length'],
      'gen_ai.usage.input_tokens': 2,
      'gen_ai.usage.output_tokens': 5,
    });
  });

  test('no content on the span unless asked for', async () => {
    const { openai } = tracked();
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a secret prompt' }] });
    const [span] = await callSpans(1);
    expect(JSON.stringify(span!.attributes)).not.toContain('secret');
  });
});

describe('content (captureContent)', () => {
  test('chat: the messages and the answer in the conventions\' parts, tool calls included', async () => {
    const { openai } = tracked({ otel: { tracer, captureContent: true } });
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
        { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
      ],
    });
    const [span] = await callSpans(1);
    expect(JSON.parse(span!.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'sunny' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And now?' }] },
    ]);
    expect(JSON.parse(span!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'echo: [{"type":"text","text":"And now?"}]' }], finish_reason: 'stop' },
    ]);
  });

  test('Responses: the instructions as the system turn, the output items', async () => {
    const { openai } = tracked({ otel: { tracer, captureContent: true } });
    await openai.responses.create({ model: 'gpt-4o-mini', instructions: 'Be brief.', input: 'Hi' });
    const [span] = await callSpans(1);
    expect(JSON.parse(span!.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
    ]);
    expect(JSON.parse(span!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Hi there!' }], finish_reason: 'completed' },
    ]);
  });

  test('nothing in privacy mode; inline media as a marker', async () => {
    const { openai } = tracked({ otel: { tracer, captureContent: true } });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'private' }], posthogPrivacyMode: true });
    const image = `data:image/png;base64,${'A'.repeat(4000)}`;
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: image } }] }],
    });
    const [privateSpan, imageSpan] = await callSpans(2);
    expect(privateSpan!.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(privateSpan!.attributes['gen_ai.output.messages']).toBeUndefined();
    const input = imageSpan!.attributes['gen_ai.input.messages'] as string;
    expect(input).toContain('inline image/png data');
    expect(input).not.toContain('AAAA');
  });
});

describe('errors', () => {
  test('a failed call: status ERROR with the event\'s error, error.type the SDK error\'s class', async () => {
    const { openai, messages } = tracked();
    await expect(openai.chat.completions.create({ model: 'rate-limited-model', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
    const [span] = await callSpans(1);
    expect(span!.status.code).toBe(2);
    expect(span!.status.message).toBe(messages[0]!.properties.$ai_error);
    expect(span!.attributes['error.type']).toBe('RateLimitError');
    expect(span!.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  test('a connection refused: APIConnectionError', async () => {
    const { openai } = tracked({}, 'http://127.0.0.1:9/v1');
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toThrow();
    const [span] = await callSpans(1);
    expect(span!.status.code).toBe(2);
    expect(span!.attributes['error.type']).toBe('APIConnectionError');
  });

  test('a call a budget blocked (never sent): its span ends as a BudgetExceededError', async () => {
    const { openai } = tracked({
      budgets: { rules: [{ name: 'tiny', limitUsd: 0.000001, window: 'day', scope: 'client', action: 'block' }] },
    });
    // The first call spends the budget; the second is stopped before it is sent.
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await callSpans(1);
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(
      BudgetExceededError,
    );
    const span = (await callSpans(2))[1];
    expect(span!.status.code).toBe(2);
    expect(span!.attributes['error.type']).toBe('BudgetExceededError');
  });

  test('a tracer that throws costs the span, never the call', async () => {
    const broken = { startSpan: () => { throw new Error('tracer down'); } };
    const { openai, messages } = tracked({ otel: { tracer: broken } });
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]!.message.content).toBe('echo: Hi');
    await waitFor(() => messages.length === 1);
    expect(messages[0]!.properties.$ai_otel_span_id).toBeUndefined();
  });
});

describe('streams', () => {
  test('the span ends when the stream is read to the end, with its usage', async () => {
    const { openai } = tracked();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], stream: true });
    await settle();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: Hello there');
    const [span] = await callSpans(1);
    expect(span!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'tracked_openai.stream.ending': 'completed',
    });
    expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toEqual(expect.any(Number));
  });

  test('left early (break): ended as stopped, not an error', async () => {
    const { openai } = tracked();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], stream: true });
    for await (const _chunk of stream) break;
    const [span] = await callSpans(1);
    expect(span!.attributes['tracked_openai.stream.ending']).toBe('stopped');
    expect(span!.status.code).toBe(0);
  });

  test('a network failure mid-stream: error', async () => {
    const sse = await sseServer((connection) => {
      connection.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })}\n\n`);
      setTimeout(() => connection.destroySocket(), 20);
    });
    try {
      const { openai } = tracked({}, sse.baseURL);
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      await expect((async () => { for await (const _chunk of stream); })()).rejects.toThrow();
      const [span] = await callSpans(1);
      expect(span!.attributes['tracked_openai.stream.ending']).toBe('error');
      expect(span!.status.code).toBe(2);
      expect(span!.attributes['error.type']).toEqual(expect.any(String));
    } finally {
      await sse.close();
    }
  });

  test('controller.abort(): aborted, not an error', async () => {
    const sse = await sseServer(() => {});
    try {
      const { openai } = tracked({}, sse.baseURL);
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
      stream.controller.abort();
      const [span] = await callSpans(1);
      expect(span!.attributes['tracked_openai.stream.ending']).toBe('aborted');
      expect(span!.status.code).toBe(0);
    } finally {
      await sse.close();
    }
  });

  test('a Responses stream', async () => {
    const { openai } = tracked();
    const stream = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Hi', stream: true });
    for await (const _event of stream);
    const [span] = await callSpans(1);
    expect(span!.attributes).toMatchObject({ 'openai.api.type': 'responses', 'gen_ai.usage.input_tokens': 20, 'tracked_openai.stream.ending': 'completed' });
  });
});

describe('concurrency', () => {
  test('concurrent calls, each under its own request span: no cross-talk', async () => {
    const { openai, messages } = tracked();
    const count = 20;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        appTracer.startActiveSpan(`request ${index}`, async (requestSpan) => {
          await new Promise((resolve) => setTimeout(resolve, index % 3));
          await openai.chat.completions.create({ model: `model-${index}`, messages: [{ role: 'user', content: `question ${index}` }] });
          requestSpan.end();
        }),
      ),
    );
    const spans = await callSpans(count);
    const requests = new Map(exporter.getFinishedSpans().filter((span) => span.name.startsWith('request ')).map((span) => [span.spanContext().spanId, span.name]));
    for (const span of spans) {
      const index = String(span.attributes['gen_ai.request.model']).slice('model-'.length);
      expect(requests.get(span.parentSpanContext!.spanId)).toBe(`request ${index}`);
      expect(span.attributes['gen_ai.response.model']).toBe(`model-${index}`);
      const event = messages.find((message) => message.properties.$ai_otel_span_id === span.spanContext().spanId)!;
      expect(event.properties.$ai_model).toBe(`model-${index}`);
    }
  });
});

describe('the option', () => {
  test('otel: true records through the global tracer provider, with the tracked-openai tracer', async () => {
    trace.setGlobalTracerProvider(provider);
    try {
      const ph = recordingPostHog();
      const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }), { posthog: ph.posthog, otel: true });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      await waitFor(() => exporter.getFinishedSpans().length === 1);
      const [span] = exporter.getFinishedSpans();
      expect(span!.instrumentationScope.name).toBe('tracked-openai');
      expect(span!.attributes['gen_ai.operation.name']).toBe('chat');
    } finally {
      trace.disable();
    }
  });

  test('off: no span, and no OpenTelemetry property on the event', async () => {
    const { openai, messages } = tracked({ otel: false });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await waitFor(() => messages.length === 1);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(Object.keys(messages[0]!.properties).filter((key) => key.includes('otel'))).toEqual([]);
  });

  test('a span that is not sampled: the event names no span', async () => {
    const unsampled = new BasicTracerProvider({ sampler: { shouldSample: () => ({ decision: 0 }), toString: () => 'never' } }).getTracer('test');
    const { openai, messages } = tracked({ otel: { tracer: unsampled } });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await waitFor(() => messages.length === 1);
    expect(messages[0]!.properties.$ai_otel_span_id).toBeUndefined();
  });

  test('wrong values are a TypeError when the client is created', () => {
    const posthog = recordingPostHog().posthog;
    const make = (otel: unknown) => () => createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test' }), { posthog, otel } as never);
    expect(make('yes')).toThrow(/option `otel` must be true, false or \{ tracer, captureContent \}/);
    expect(make({ tracer, captureContent: 'yes' })).toThrow(/option `otel.captureContent` must be a boolean/);
    expect(make({ tracer: {} })).toThrow(/option `otel.tracer` must be an OpenTelemetry Tracer/);
    expect(make({ tracr: tracer })).toThrow(/unknown option `otel.tracr`/);
  });
});
