/**
 * The events that reach PostHog's `/batch/` endpoint, end to end: the real `openai` SDK talks to a
 * nock-mocked api.openai.com, the real posthog-node client posts to a nock-mocked PostHog host, and
 * each test reads the event as PostHog's servers would receive it, plus what the caller got back.
 */
import { readFileSync } from 'node:fs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { secondsBetween } from '../src/events/seconds.js';
import { createTrackedOpenAI, span, trace, OpenAI as TrackedOpenAIClass } from '../src/index.js';
import {
  chatCompletion,
  embeddingResponse,
  legacyCompletion,
  mockOpenAI,
  newOpenAI,
  nockSse,
  OPENAI_BASE,
  responsesResponse,
  TEST_API_KEY,
} from './support/openai.js';
import { mockPostHog, type PostHogMock, type ReceivedEvent } from './support/posthog.js';
import { chatChunks, sseBody } from './support/sse.js';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const REQUEST_ID = 'req_events_test_0001';

type AnyRecord = Record<string, any>;

const openPostHogs: PostHogMock[] = [];

/** A posthog-node client with a mocked `/batch/` endpoint, shut down after the test. */
function posthogMock(options: Record<string, unknown> = {}): PostHogMock {
  const mock = mockPostHog(options);
  openPostHogs.push(mock);
  return mock;
}

/**
 * Mocks one OpenAI endpoint (path under /v1) for `times` requests, answering `reply` with an
 * `x-request-id` header. Returns the JSON bodies the endpoint received, in order.
 */
function serveOpenAI(path: string, reply: object, times = 1): AnyRecord[] {
  const seen: AnyRecord[] = [];
  mockOpenAI()
    .post(`/v1${path}`, (body: AnyRecord) => {
      seen.push(body);
      return true;
    })
    .times(times)
    .reply(200, reply, { 'x-request-id': REQUEST_ID });
  return seen;
}

/** The only event PostHog received (fails when there is not exactly one). */
async function onlyEvent(ph: PostHogMock): Promise<ReceivedEvent> {
  const events = await ph.received();
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** Deep-freezes a value so that any write to it by the library throws (tests run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value as object)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** An embeddings answer as the API sends it when the SDK asks for base64 (its default). */
function base64EmbeddingResponse(): AnyRecord {
  const vector = Buffer.from(new Float32Array([0.5, -0.25, 1]).buffer).toString('base64');
  return embeddingResponse({ data: [{ object: 'embedding', index: 0, embedding: vector }] });
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(async () => {
  for (const mock of openPostHogs.splice(0)) await mock.shutdown();
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

// ---------------------------------------------------------------------------------------------
// The tracked methods, described once so that per-call options are checked on every one of them.
// ---------------------------------------------------------------------------------------------

interface MethodCase {
  name: string;
  path: string;
  event: '$ai_generation' | '$ai_embedding';
  fixture: () => AnyRecord;
  body: () => AnyRecord;
  /** `$ai_input` for `body()`. */
  input: unknown;
  call: (client: any, body: AnyRecord) => Promise<any>;
}

const METHODS: MethodCase[] = [
  {
    name: 'chat.completions.create',
    path: '/chat/completions',
    event: '$ai_generation',
    fixture: () => chatCompletion(),
    body: () => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5 }),
    input: [{ role: 'user', content: 'Hi' }],
    call: (client, body) => client.chat.completions.create(body),
  },
  {
    name: 'completions.create',
    path: '/completions',
    event: '$ai_generation',
    fixture: () => legacyCompletion(),
    body: () => ({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hello', max_tokens: 2 }),
    input: 'Hello',
    call: (client, body) => client.completions.create(body),
  },
  {
    name: 'responses.create',
    path: '/responses',
    event: '$ai_generation',
    fixture: () => responsesResponse(),
    body: () => ({ model: 'gpt-4.1', input: 'Hi', temperature: 0.5 }),
    input: [{ role: 'user', content: 'Hi' }],
    call: (client, body) => client.responses.create(body),
  },
  {
    name: 'embeddings.create',
    path: '/embeddings',
    event: '$ai_embedding',
    // No encoding_format: the SDK asks for base64 and decodes it through its own `_thenUnwrap`.
    fixture: () => base64EmbeddingResponse(),
    body: () => ({ model: 'text-embedding-3-small', input: 'Hi' }),
    input: 'Hi',
    call: (client, body) => client.embeddings.create(body),
  },
];

const ALL_CALL_OPTIONS = {
  posthogDistinctId: 'user-per-call',
  posthogTraceId: 'trace-per-call_1',
  posthogProperties: { feature: 'search', shared: 'from-call' },
  posthogGroups: { company: 'acme' },
  posthogPrivacyMode: true,
  posthogCaptureImmediate: true,
  posthogModelOverride: 'my-finetune',
  posthogProviderOverride: 'my-gateway',
  posthogCostOverride: { inputCost: 0.25, outputCost: 0.5 },
  posthogCallCostOverride: { inputCost: 0.25, outputCost: 0.5 },
} as const;

describe.each(METHODS)('$name', (method) => {
  it(`sends one ${method.event} event with the request's model, input, tokens and library facts`, async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await method.call(client, method.body());

    const event = await onlyEvent(ph);
    expect(event.event).toBe(method.event);
    expect(event.properties).toMatchObject({
      $ai_provider: 'openai',
      $ai_model: method.body().model,
      $ai_input: method.input,
      $ai_base_url: `${OPENAI_BASE}/v1`,
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_lib: 'tracked-openai',
      $ai_lib_version: PACKAGE_VERSION,
      $ai_cache_reporting_exclusive: false,
    });
    expect(typeof event.properties.$ai_input_tokens).toBe('number');
    expect(event.properties.$ai_latency).toBeGreaterThan(0);
    expect(event.properties.$ai_latency).toBeLessThan(10);
    expect(isWholeMicroseconds(event.properties.$ai_latency)).toBe(true);
  });

  it('removes every per-call posthog* option from the body OpenAI receives and leaves the caller’s body untouched', async () => {
    const seen = serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const body = deepFreeze({ ...method.body(), ...structuredClone(ALL_CALL_OPTIONS) });
    const before = structuredClone(body);

    await method.call(client, body);

    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0]!).filter((key) => key.startsWith('posthog'))).toEqual([]);
    expect(seen[0]).toMatchObject(method.body());
    expect(body).toEqual(before);
    expect(Object.keys(body).filter((key) => key.startsWith('posthog'))).toHaveLength(10);
  });

  it('applies per-call distinct id, trace id, properties, groups, model, provider and cost to the event', async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      distinctId: 'client-user',
      properties: { shared: 'from-client', team: 'core' },
      groups: { project: 'p1' },
    });

    await method.call(client, {
      ...method.body(),
      posthogDistinctId: 'user-per-call',
      posthogTraceId: 'trace-per-call_1',
      posthogProperties: { feature: 'search', shared: 'from-call' },
      posthogGroups: { company: 'acme' },
      posthogModelOverride: 'my-finetune',
      posthogProviderOverride: 'my-gateway',
      posthogCallCostOverride: { inputCost: 0.25, outputCost: 0.5 },
    });

    const event = await onlyEvent(ph);
    expect(event.distinct_id).toBe('user-per-call');
    expect(event.properties).toMatchObject({
      $ai_trace_id: 'trace-per-call_1',
      feature: 'search',
      team: 'core',
      shared: 'from-call',
      $groups: { project: 'p1', company: 'acme' },
      $ai_model: 'my-finetune',
      $ai_provider: 'my-gateway',
      $ai_input_cost_usd: 0.25,
      $ai_output_cost_usd: 0.5,
      $ai_total_cost_usd: 0.75,
      $ai_cost_passthrough: true,
      $ai_input: method.input,
    });
    expect(event.properties).not.toHaveProperty('$process_person_profile');
  });

  it('prices the call with posthogCostOverride as USD per token, as @posthog/ai does', async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await method.call(client, { ...method.body(), posthogCostOverride: { inputCost: 0.000002, outputCost: 0.00001 } });

    const { properties } = await onlyEvent(ph);
    const inputTokens = properties.$ai_input_tokens as number;
    const outputTokens = (properties.$ai_output_tokens as number | undefined) ?? 0;
    expect(inputTokens).toBeGreaterThan(0);
    const inputUsd = Number((inputTokens * 0.000002).toFixed(12));
    const outputUsd = Number((outputTokens * 0.00001).toFixed(12));
    expect(properties).toMatchObject({
      $ai_input_cost_usd: inputUsd,
      $ai_output_cost_usd: outputUsd,
      $ai_total_cost_usd: Number((inputUsd + outputUsd).toFixed(12)),
      $ai_cost_passthrough: true,
    });
    expect(properties).not.toHaveProperty('$ai_cost_price_id');
  });

  it('sends numeric per-call ids as text and ignores other wrong types with one warning per option name', async () => {
    serveOpenAI(method.path, method.fixture(), 2);
    const ph = posthogMock();
    const logged: string[] = [];
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, debug: (line) => logged.push(line) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const wrong = {
      posthogDistinctId: 123,
      posthogTraceId: 456,
      posthogModelOverride: 7,
      posthogGroups: 'acme',
      posthogPrivacyMode: 'yes',
      posthogCostOverride: { inputCost: '0.1' },
      posthogProperties: null,
    };
    let warned: string[];
    try {
      await method.call(client, { ...method.body(), ...wrong });
      await method.call(client, { ...method.body(), ...wrong });
      warned = warn.mock.calls.map((args) => String(args[0]));
    } finally {
      warn.mockRestore();
    }

    const [first, second] = await ph.received();
    for (const event of [first!, second!]) {
      expect(event.distinct_id).toBe('123');
      expect(event.properties.$ai_trace_id).toBe('456');
      expect(event.properties.$ai_model).toBe(method.body().model);
      expect(event.properties.$ai_input).toEqual(method.input);
      expect(event.properties).not.toHaveProperty('$groups');
    }
    // Once per option name per process: the first method's test warns for the four names, later ones not again.
    expect(warned).toHaveLength(method === METHODS[0] ? 4 : 0);
    for (const line of warned) expect(line).toMatch(/^\[tracked-openai\] per-call option `posthog\w+` must be .*; it was ignored/);
    expect(new Set(warned).size).toBe(warned.length);
    for (const name of ['posthogModelOverride', 'posthogGroups', 'posthogPrivacyMode', 'posthogCostOverride']) {
      expect(logged.filter((line) => line.includes(`\`${name}\``))).toHaveLength(2);
    }
    expect(logged.join('\n')).not.toMatch(/posthogDistinctId|posthogTraceId|posthogProperties/);
  });

  it('sends no input and no output when posthogPrivacyMode is true for the call', async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await method.call(client, { ...method.body(), posthogPrivacyMode: true });

    const event = await onlyEvent(ph);
    expect(event.properties.$ai_input).toBeNull();
    if (method.event === '$ai_generation') expect(event.properties.$ai_output_choices).toBeNull();
    else expect(event.properties).not.toHaveProperty('$ai_output_choices');
    // Everything that is not content is still there.
    expect(event.properties.$ai_model).toBe(method.body().model);
    expect(typeof event.properties.$ai_input_tokens).toBe('number');
  });

  it('delivers the event before the call resolves, without a flush, when posthogCaptureImmediate is true', async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await method.call(client, { ...method.body(), posthogCaptureImmediate: true });

    expect(ph.events).toHaveLength(1);
    expect(ph.events[0]!.event).toBe(method.event);
  });

  it('queues the event until a flush when posthogCaptureImmediate is false, even on a captureImmediate client', async () => {
    serveOpenAI(method.path, method.fixture());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, captureImmediate: true });

    await method.call(client, { ...method.body(), posthogCaptureImmediate: false });

    expect(ph.events).toHaveLength(0);
    expect(await ph.received()).toHaveLength(1);
  });

  it('gives the caller exactly what an untracked client returns, _request_id included', async () => {
    serveOpenAI(method.path, method.fixture(), 2);
    const ph = posthogMock();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const untracked = newOpenAI();

    const fromTracked = await method.call(tracked, { ...method.body(), posthogTraceId: 't1' });
    const fromUntracked = await method.call(untracked, method.body());

    expect(fromTracked).toEqual(fromUntracked);
    expect(Object.getPrototypeOf(fromTracked)).toBe(Object.getPrototypeOf(fromUntracked));
    expect(fromTracked._request_id).toBe(REQUEST_ID);
    expect(fromUntracked._request_id).toBe(REQUEST_ID);
    expect(await ph.received()).toHaveLength(1);
  });

  it('gives the caller the same result when the event is delivered with captureImmediate', async () => {
    serveOpenAI(method.path, method.fixture(), 2);
    const ph = posthogMock();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, captureImmediate: true });
    const untracked = newOpenAI();

    const fromTracked = await method.call(tracked, method.body());
    const fromUntracked = await method.call(untracked, method.body());

    expect(ph.events).toHaveLength(1);
    expect(fromTracked).toEqual(fromUntracked);
    expect(Object.getPrototypeOf(fromTracked)).toBe(Object.getPrototypeOf(fromUntracked));
    expect(fromTracked._request_id).toBe(REQUEST_ID);
  });
});

// ---------------------------------------------------------------------------------------------
// chat.completions.create: every property a call can fill.
// ---------------------------------------------------------------------------------------------

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} as const;

const TOOL_CALL = {
  id: 'call_1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
} as const;

describe('chat.completions.create', () => {
  it('fills every $ai_* property from the request and the response', async () => {
    const seen = serveOpenAI(
      '/chat/completions',
      chatCompletion({
        id: 'chatcmpl-full',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, refusal: null, tool_calls: [TOOL_CALL] },
            logprobs: null,
            finish_reason: 'tool_calls',
          },
        ],
        usage: {
          prompt_tokens: 120,
          completion_tokens: 30,
          total_tokens: 150,
          prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 16, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 12, audio_tokens: 0 },
        },
        service_tier: 'flex',
      }),
    );
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Weather in Paris?' },
    ];

    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      temperature: 0.2,
      max_tokens: 100,
      max_completion_tokens: 120,
      top_p: 0.9,
      stop: ['\n\n'],
      n: 1,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      service_tier: 'auto',
      tools: [WEATHER_TOOL],
      posthogTraceId: 'trace-full',
      posthogDistinctId: 'user-1',
    });

    expect(seen[0]).toMatchObject({ model: 'gpt-4o-mini', service_tier: 'auto', tools: [WEATHER_TOOL] });
    const event = await onlyEvent(ph);
    expect(event.event).toBe('$ai_generation');
    expect(event.distinct_id).toBe('user-1');
    const p = event.properties;
    expect(p.$ai_provider).toBe('openai');
    // The request's model, not the dated one the response names.
    expect(p.$ai_model).toBe('gpt-4o-mini');
    expect(p.$ai_model_parameters).toEqual({
      temperature: 0.2,
      max_tokens: 100,
      max_completion_tokens: 120,
      top_p: 0.9,
      stop: ['\n\n'],
      n: 1,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      // The tier the response was served on, not the requested 'auto'.
      service_tier: 'flex',
    });
    expect(p.$ai_input).toEqual(messages);
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: null, tool_calls: [TOOL_CALL] }]);
    expect(p.$ai_input_tokens).toBe(120);
    expect(p.$ai_output_tokens).toBe(30);
    expect(p.$ai_cache_read_input_tokens).toBe(64);
    expect(p.$ai_cache_creation_input_tokens).toBe(16);
    expect(p.$ai_reasoning_tokens).toBe(12);
    expect(p.$ai_cache_reporting_exclusive).toBe(false);
    expect(typeof p.$ai_latency).toBe('number');
    expect(p.$ai_latency).toBeGreaterThan(0);
    expect(p.$ai_latency).toBeLessThan(10);
    expect(p.$ai_http_status).toBe(200);
    expect(p.$ai_base_url).toBe('https://api.openai.com/v1');
    expect(p.$ai_stop_reason).toBe('tool_calls');
    expect(p.$ai_tools).toEqual([WEATHER_TOOL]);
    expect(p.$ai_service_tier).toBe('flex');
    expect(p.$ai_response_id).toBe('chatcmpl-full');
    expect(p.$ai_trace_id).toBe('trace-full');
    expect(p.$ai_lib).toBe('tracked-openai');
    expect(p.$ai_lib_version).toBe(PACKAGE_VERSION);
    expect(p.$ai_is_error).toBe(false);
    expect(p).not.toHaveProperty('$ai_error');
    expect(p).not.toHaveProperty('$ai_input_cost_usd');
    // posthog-node's own properties are still there.
    expect(p.$lib).toBe('posthog-node');
  });

  it('reports a text answer as [{ role, content }] with finish_reason as the stop reason', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    const p = (await onlyEvent(ph)).properties;
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello there!' }]);
    expect(p.$ai_stop_reason).toBe('stop');
    expect(p.$ai_input_tokens).toBe(12);
    expect(p.$ai_output_tokens).toBe(5);
    expect(p.$ai_cache_read_input_tokens).toBe(4);
    expect(p.$ai_reasoning_tokens).toBe(2);
    expect(p).not.toHaveProperty('$ai_cache_creation_input_tokens');
    expect(p).not.toHaveProperty('$ai_tools');
    expect(p.$ai_model_parameters).toEqual({ service_tier: 'default' });
  });

  it('falls back to the response’s model when the request names none', async () => {
    const seen = serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    // Some OpenAI-compatible gateways pick the model themselves; the SDK sends the body as given.
    await client.chat.completions.create({ messages: [{ role: 'user', content: 'Hi' }] } as any);

    expect(seen[0]).not.toHaveProperty('model');
    expect((await onlyEvent(ph)).properties.$ai_model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('keeps $ai_input as it was at call time when a chat loop pushes the reply onto the same messages array', async () => {
    serveOpenAI('/chat/completions', chatCompletion(), 2);
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const messages: any[] = [{ role: 'user', content: 'Hi' }];

    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, posthogTraceId: 'turn-1' });
    messages.push(first.choices[0]!.message);
    messages.push({ role: 'user', content: 'And again?' });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages, posthogTraceId: 'turn-2' });
    messages.push({ role: 'assistant', content: 'pushed after the second call' });

    const events = await ph.received();
    const byTrace = Object.fromEntries(events.map((e) => [e.properties.$ai_trace_id, e.properties]));
    expect(byTrace['turn-1']!.$ai_input).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(byTrace['turn-2']!.$ai_input).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello there!', refusal: null },
      { role: 'user', content: 'And again?' },
    ]);
  });

  it('keeps $ai_tools as sent when the caller adds a tool to the same array after the call', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const tools: any[] = [WEATHER_TOOL];

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], tools });
    // posthog-node serializes queued events only when it flushes, after this push.
    tools.push({ type: 'function', function: { name: 'added_later', parameters: {} } });

    expect((await onlyEvent(ph)).properties.$ai_tools).toEqual([WEATHER_TOOL]);
  });

  it('returns the SDK’s withResponse() result with data, response and request_id', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const { data, response, request_id } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })
      .withResponse();

    expect(data).toEqual(chatCompletion());
    expect(response.status).toBe(200);
    expect(request_id).toBe(REQUEST_ID);
    expect(await ph.received()).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Legacy completions, Responses and embeddings.
// ---------------------------------------------------------------------------------------------

describe('completions.create (legacy)', () => {
  it('reports the prompt as input, the text choices as output and finish_reason as the stop reason', async () => {
    serveOpenAI(
      '/completions',
      legacyCompletion({
        choices: [
          { text: ' world', index: 0, logprobs: null, finish_reason: 'length' },
          { text: ' there', index: 1, logprobs: null, finish_reason: 'stop' },
        ],
      }),
    );
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await client.completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Hello',
      max_tokens: 2,
      temperature: 0,
      n: 2,
      stop: '.',
    });

    const event = await onlyEvent(ph);
    expect(event.event).toBe('$ai_generation');
    expect(event.properties).toMatchObject({
      $ai_model: 'gpt-3.5-turbo-instruct',
      $ai_model_parameters: { max_tokens: 2, temperature: 0, n: 2, stop: '.' },
      $ai_input: 'Hello',
      $ai_output_choices: [
        { role: 'assistant', content: ' world' },
        { role: 'assistant', content: ' there' },
      ],
      $ai_input_tokens: 3,
      $ai_output_tokens: 2,
      $ai_stop_reason: 'length',
      $ai_response_id: 'cmpl-abc123',
      $ai_cache_reporting_exclusive: false,
    });
    expect(event.properties).not.toHaveProperty('$ai_service_tier');
    expect(event.properties).not.toHaveProperty('$ai_cache_read_input_tokens');
  });
});

describe('responses.create', () => {
  it('turns instructions into a system turn and reports output items, token details and status', async () => {
    const fixture = responsesResponse({
      output: [
        { type: 'reasoning', id: 'rs_1', summary: [] },
        {
          type: 'message',
          id: 'msg_1',
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Hi from responses', annotations: [] }],
        },
      ],
    });
    const seen = serveOpenAI('/responses', fixture);
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const tools = [{ type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: {} }, strict: true }];

    await client.responses.create({
      model: 'gpt-4.1',
      instructions: 'You are terse.',
      input: 'Say hi',
      max_output_tokens: 50,
      reasoning: { effort: 'low' },
      tools,
    });

    expect(seen[0]).toMatchObject({ instructions: 'You are terse.', input: 'Say hi' });
    const p = (await onlyEvent(ph)).properties;
    expect(p.$ai_model).toBe('gpt-4.1');
    expect(p.$ai_input).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hi' },
    ]);
    expect(p.$ai_output_choices).toEqual(fixture.output);
    expect(p.$ai_input_tokens).toBe(20);
    expect(p.$ai_output_tokens).toBe(7);
    expect(p.$ai_cache_read_input_tokens).toBe(10);
    expect(p.$ai_reasoning_tokens).toBe(3);
    expect(p.$ai_cache_reporting_exclusive).toBe(false);
    expect(p.$ai_stop_reason).toBe('completed');
    expect(p.$ai_response_id).toBe('resp_abc123');
    expect(p.$ai_service_tier).toBe('default');
    expect(p.$ai_tools).toEqual(tools);
    expect(p.$ai_model_parameters).toEqual({
      max_output_tokens: 50,
      reasoning: { effort: 'low' },
      service_tier: 'default',
    });
  });

  it('keeps an input item list after the system turn', async () => {
    serveOpenAI('/responses', responsesResponse());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const input = [
      { role: 'user' as const, content: 'First' },
      { role: 'assistant' as const, content: 'Reply' },
      { role: 'user' as const, content: 'Second' },
    ];

    await client.responses.create({ model: 'gpt-4.1', instructions: 'Sys', input });

    expect((await onlyEvent(ph)).properties.$ai_input).toEqual([{ role: 'system', content: 'Sys' }, ...input]);
  });

  it('reports incomplete_details.reason as the stop reason of an incomplete response', async () => {
    serveOpenAI(
      '/responses',
      responsesResponse({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }),
    );
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const result = await client.responses.create({ model: 'gpt-4.1', input: 'Long story', max_output_tokens: 5 });

    expect(result.status).toBe('incomplete');
    expect((await onlyEvent(ph)).properties.$ai_stop_reason).toBe('max_output_tokens');
  });

  it('falls back to the response’s model for a stored prompt that names no model', async () => {
    const seen = serveOpenAI('/responses', responsesResponse());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await client.responses.create({ prompt: { id: 'pmpt_123', version: '2' }, input: 'Hi' });

    expect(seen[0]).not.toHaveProperty('model');
    const p = (await onlyEvent(ph)).properties;
    expect(p.$ai_model).toBe('gpt-4.1-2025-04-14');
    expect(p.$ai_model_parameters).toMatchObject({ prompt: { id: 'pmpt_123', version: '2' } });
  });
});

describe('embeddings.create', () => {
  it('sends $ai_embedding with the input and input tokens, and no output tokens or output choices', async () => {
    serveOpenAI('/embeddings', embeddingResponse());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['first text', 'second text'],
      encoding_format: 'float',
      dimensions: 3,
    });

    expect(result.data[0]!.embedding).toEqual([0.1, 0.2, 0.3]);
    const event = await onlyEvent(ph);
    expect(event.event).toBe('$ai_embedding');
    expect(event.properties).toMatchObject({
      $ai_model: 'text-embedding-3-small',
      $ai_input: ['first text', 'second text'],
      $ai_input_tokens: 8,
      $ai_model_parameters: { encoding_format: 'float', dimensions: 3 },
      $ai_is_error: false,
      $ai_http_status: 200,
    });
    expect(event.properties).not.toHaveProperty('$ai_output_tokens');
    expect(event.properties).not.toHaveProperty('$ai_output_choices');
    expect(event.properties).not.toHaveProperty('$ai_stop_reason');
  });

  it('sends the base64 vectors decoded by the SDK to the caller and none of them to PostHog', async () => {
    const seen = serveOpenAI('/embeddings', base64EmbeddingResponse());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi' });

    expect(seen[0]!.encoding_format).toBe('base64');
    expect(result.data[0]!.embedding).toEqual([0.5, -0.25, 1]);
    const payload = ph.payloads.join('') + JSON.stringify(await ph.received());
    expect(payload).not.toContain('AAAAP');
    expect(JSON.stringify(ph.events[0]!.properties)).not.toContain('-0.25');
  });
});

// ---------------------------------------------------------------------------------------------
// distinct_id
// ---------------------------------------------------------------------------------------------

describe('distinct_id', () => {
  async function distinctFor(clientDistinctId: string | undefined, body: AnyRecord): Promise<ReceivedEvent> {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      ...(clientDistinctId ? { distinctId: clientDistinctId } : {}),
    });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      ...body,
    } as any);
    return onlyEvent(ph);
  }

  it('is the per-call posthogDistinctId before everything else', async () => {
    const event = await distinctFor('client-user', {
      posthogDistinctId: 'call-user',
      user: 'body-user',
      safety_identifier: 'safety-user',
    });
    expect(event.distinct_id).toBe('call-user');
    expect(event.properties).not.toHaveProperty('$process_person_profile');
  });

  it('is the client distinctId option when the call gives none', async () => {
    const event = await distinctFor('client-user', { user: 'body-user', safety_identifier: 'safety-user' });
    expect(event.distinct_id).toBe('client-user');
  });

  it('is the body’s user when neither the call nor the client gives one', async () => {
    const event = await distinctFor(undefined, { user: 'body-user', safety_identifier: 'safety-user' });
    expect(event.distinct_id).toBe('body-user');
    expect(event.properties).not.toHaveProperty('$process_person_profile');
  });

  it('is the body’s safety_identifier when there is no user', async () => {
    const event = await distinctFor(undefined, { safety_identifier: 'safety-user' });
    expect(event.distinct_id).toBe('safety-user');
  });

  it('is the trace id with $process_person_profile false when no user is known', async () => {
    const event = await distinctFor(undefined, { posthogTraceId: 'anon-trace' });
    expect(event.distinct_id).toBe('anon-trace');
    expect(event.properties.$ai_trace_id).toBe('anon-trace');
    expect(event.properties.$process_person_profile).toBe(false);
  });

  it('is a generated trace id with $process_person_profile false when neither a user nor a trace is given', async () => {
    const event = await distinctFor(undefined, {});
    expect(event.distinct_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.distinct_id).toBe(event.properties.$ai_trace_id);
    expect(event.properties.$process_person_profile).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Client options
// ---------------------------------------------------------------------------------------------

describe('client options', () => {
  it('adds the client’s properties to every event', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    serveOpenAI('/embeddings', embeddingResponse());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      properties: { environment: 'test', tenant: 't-1' },
    });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi', encoding_format: 'float' });

    const events = await ph.received();
    expect(events.map((e) => e.event)).toEqual(['$ai_generation', '$ai_embedding']);
    for (const event of events) expect(event.properties).toMatchObject({ environment: 'test', tenant: 't-1' });
  });

  it('lets the user’s properties override ours of the same name, with budgets and spans too', async () => {
    serveOpenAI('/chat/completions', chatCompletion(), 3);
    const ph = posthogMock();
    const given = JSON.parse('{"$ai_model":"named-by-me","$ai_latency":7,"$ai_total_cost_usd":0.5,"$ai_otel_trace_id":"mine","__proto__":"kept as a key"}') as AnyRecord;
    const plain = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, properties: { $ai_latency: 1, tenant: 't-1' } });
    const budgeted = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      distinctId: 'user-1',
      budgets: { rules: [{ name: 'daily', limitUsd: 100, window: 'day', scope: 'distinctId', action: 'block' }] },
    });
    const tracer = new BasicTracerProvider().getTracer('events-test');
    const spanned = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, otel: { tracer } });
    for (const client of [plain, budgeted, spanned]) {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], posthogProperties: given } as never);
    }

    const events = await ph.received();
    expect(events).toHaveLength(3);
    for (const event of events) {
      expect(event.properties).toMatchObject({ $ai_model: 'named-by-me', $ai_latency: 7, $ai_total_cost_usd: 0.5, $ai_otel_trace_id: 'mine' });
      expect(Object.getOwnPropertyDescriptor(event.properties, '__proto__')?.value).toBe('kept as a key');
      // Ours that the user did not name are still there.
      expect(event.properties.$ai_input_tokens).toBe(chatCompletion().usage.prompt_tokens);
    }
    expect(events[0]!.properties.tenant).toBe('t-1');
    expect(events[2]!.properties.$ai_otel_span_id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('sends the client’s groups, which posthog-node delivers as $groups', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, groups: { company: 'acme', team: 42 } });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    expect((await onlyEvent(ph)).properties.$groups).toEqual({ company: 'acme', team: 42 });
  });

  it('sends null $ai_input and $ai_output_choices with the privacyMode option', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, privacyMode: true });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt' }] });

    const event = await onlyEvent(ph);
    expect(event.properties.$ai_input).toBeNull();
    expect(event.properties.$ai_output_choices).toBeNull();
    expect(event.properties.$ai_input_tokens).toBe(12);
    expect(ph.payloads.join('')).not.toContain('secret prompt');
    expect(ph.payloads.join('')).not.toContain('Hello there!');
  });

  // posthog-node keeps the option as a property of the client from 5.61.1, in its `options` before.
  it('honours posthog-node’s own privacyMode option', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock({ privacyMode: true });
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt' }] });

    const event = await onlyEvent(ph);
    expect(event.properties.$ai_input).toBeNull();
    expect(event.properties.$ai_output_choices).toBeNull();
    expect(ph.payloads.join('')).not.toContain('secret prompt');
  });

  it('lets posthogPrivacyMode false on a call send content on a privacyMode client', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, privacyMode: true });

    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      posthogPrivacyMode: false,
    });

    const p = (await onlyEvent(ph)).properties;
    expect(p.$ai_input).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello there!' }]);
  });

  it('delivers each event with captureImmediate before the call resolves, without a flush', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = new TrackedOpenAIClass({
      apiKey: TEST_API_KEY,
      maxRetries: 0,
      posthog: ph.posthog,
      captureImmediate: true,
    });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    expect(ph.events).toHaveLength(1);
    expect(ph.events[0]!.event).toBe('$ai_generation');
  });

  it('queues events until posthog-node flushes without captureImmediate', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    expect(ph.events).toHaveLength(0);
    expect(await ph.received()).toHaveLength(1);
  });

  it('passes log lines to a debug function', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const lines: { message: string; detail: unknown }[] = [];
    const client = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      debug: (message, detail) => lines.push({ message, detail }),
    });

    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    await ph.received();

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => typeof line.message === 'string')).toBe(true);
    const eventLine = lines.find((line) => line.message.includes('$ai_generation'));
    expect(eventLine?.message).toContain('gpt-4o-mini');
    expect(eventLine?.detail).toMatchObject({ event: '$ai_generation', properties: { $ai_model: 'gpt-4o-mini' } });
  });

  it('tracks through the OpenAI class as through createTrackedOpenAI, with the SDK’s options untouched', async () => {
    const seen = serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = new TrackedOpenAIClass({
      apiKey: TEST_API_KEY,
      maxRetries: 0,
      posthog: ph.posthog,
      distinctId: 'class-user',
      properties: { via: 'class' },
    });

    const result = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      posthogTraceId: 'class-trace',
    });

    expect(result._request_id).toBe(REQUEST_ID);
    expect(Object.keys(seen[0]!).sort()).toEqual(['messages', 'model']);
    const event = await onlyEvent(ph);
    expect(event.distinct_id).toBe('class-user');
    expect(event.properties).toMatchObject({ via: 'class', $ai_trace_id: 'class-trace', $ai_model: 'gpt-4o-mini' });
  });
});

// ---------------------------------------------------------------------------------------------
// Timings: seconds to the microsecond, without float noise.
// ---------------------------------------------------------------------------------------------

/** Whether a number of seconds has at most six decimals (it prints as it would be written). */
function isWholeMicroseconds(seconds: unknown): boolean {
  return typeof seconds === 'number' && Number(seconds.toFixed(6)) === seconds;
}

describe('what the event holds is a copy, made when the call is tracked', () => {
  it('a message edited in place after the call does not change the event', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const messages = [{ role: 'user' as const, content: 'as sent' }];
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    messages[0]!.content = 'edited afterwards';
    const [event] = await ph.received();
    expect(event!.properties.$ai_input).toEqual([{ role: 'user', content: 'as sent' }]);
  });

  it('a property whose toJSON throws costs only that value: the event and the rest of the batch arrive; toJSON is used as JSON does', async () => {
    serveOpenAI('/chat/completions', chatCompletion(), 3);
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const hostile = {
      toJSON() {
        throw new Error('no JSON for you');
      },
    };
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'first' }] });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'second' }],
      posthogProperties: { hostile, link: new URL('https://example.test/a?b=1') },
    });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'third' }] });
    const events = await ph.received();
    expect(events.map((event) => event.properties.$ai_input[0].content)).toEqual(['first', 'second', 'third']);
    expect(events[1]!.properties).toMatchObject({ hostile: '[unreadable]', link: 'https://example.test/a?b=1' });
  });
});

describe('timings', () => {
  it('rounds a noisy performance.now() difference to the microsecond', () => {
    // (1084.641555 - 1000) / 1000 is 0.08464155500000003 in floating point.
    expect((1084.641555 - 1000) / 1000).not.toBe(0.084642);
    expect(secondsBetween(1000, 1084.641555)).toBe(0.084642);
    expect(secondsBetween(5, 5)).toBe(0);
    expect(secondsBetween(0, 123_456.7891)).toBe(123.456789);
  });

  it('sends $ai_latency and $ai_time_to_first_token of a streamed call to the microsecond', async () => {
    nockSse('/v1/chat/completions', sseBody(chatChunks()));
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _chunk of stream);

    const { properties } = await onlyEvent(ph);
    expect(properties.$ai_latency).toBeGreaterThan(0);
    expect(isWholeMicroseconds(properties.$ai_latency)).toBe(true);
    expect(isWholeMicroseconds(properties.$ai_time_to_first_token)).toBe(true);
  });

  it('sends the $ai_latency of calls, traces and spans to the microsecond', async () => {
    serveOpenAI('/chat/completions', chatCompletion());
    const ph = posthogMock();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    await trace('checkout', () => span('answer', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] })));

    const events = await ph.received();
    expect(events.map((event) => event.event).sort()).toEqual(['$ai_generation', '$ai_span', '$ai_trace']);
    for (const event of events) expect(isWholeMicroseconds(event.properties.$ai_latency), event.event).toBe(true);
  });
});
