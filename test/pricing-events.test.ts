/**
 * Cost on the events PostHog receives, end to end: the real openai SDK against a nock-mocked
 * api.openai.com, the real posthog-node client posting to a nock-mocked `/batch/` endpoint.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTrackedOpenAI, type TrackingOptions } from '../src/index.js';
import { chatCompletion, embeddingResponse, legacyCompletion, mockOpenAI, newOpenAI, responsesResponse } from './support/openai.js';
import { mockPostHog, type PostHogMock, type ReceivedEvent } from './support/posthog.js';

const openPostHogs: PostHogMock[] = [];

function tracked(options: Omit<TrackingOptions, 'posthog'> = {}) {
  const ph = mockPostHog();
  openPostHogs.push(ph);
  return { ph, client: createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog, ...options }) };
}

function serve(path: string, reply: object, times = 1): void {
  mockOpenAI().post(`/v1${path}`).times(times).reply(200, reply);
}

async function events(ph: PostHogMock): Promise<ReceivedEvent[]> {
  return ph.received();
}

const COST_KEYS = ['$ai_input_cost_usd', '$ai_output_cost_usd', '$ai_total_cost_usd'];

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(async () => {
  for (const mock of openPostHogs.splice(0)) await mock.shutdown();
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('cost on $ai_generation events', () => {
  it('prices a chat call from the response model, cached tokens at the cached rate', async () => {
    serve('/chat/completions', chatCompletion());
    const { ph, client } = tracked();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    const [event] = await events(ph);
    // gpt-4o-mini-2024-07-18: 8 uncached × $0.15 + 4 cached × $0.075, 5 out × $0.60 (per million).
    expect(event!.properties).toMatchObject({
      $ai_input_cost_usd: 0.0000015,
      $ai_output_cost_usd: 0.000003,
      $ai_total_cost_usd: 0.0000045,
      $ai_cost_passthrough: true,
      $ai_cost_price_id: 'gpt-4o-mini',
      $ai_cost_match: 'alias',
    });
    expect(event!.properties).not.toHaveProperty('$ai_cost_unknown_reason');
  });

  it('prices the tier the response was served on, not the one requested', async () => {
    serve(
      '/chat/completions',
      chatCompletion({
        model: 'gpt-4o-2024-08-06',
        service_tier: 'priority',
        usage: {
          prompt_tokens: 2000,
          completion_tokens: 500,
          total_tokens: 2500,
          prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
        },
      }),
    );
    const { ph, client } = tracked();
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], service_tier: 'auto' });

    const [event] = await events(ph);
    // The shared design example chat-gpt-4o-priority-tier: $4.25 / $2.125 cached / $17.
    expect(event!.properties).toMatchObject({
      $ai_service_tier: 'priority',
      $ai_input_cost_usd: 0.006324,
      $ai_output_cost_usd: 0.0085,
      $ai_total_cost_usd: 0.014824,
    });
  });

  it('prices Responses and legacy completions calls', async () => {
    serve('/responses', responsesResponse());
    serve('/completions', legacyCompletion());
    const { ph, client } = tracked();
    await client.responses.create({ model: 'gpt-4.1', input: 'Hi' });
    await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hello' });

    const [responses, legacy] = await events(ph);
    // gpt-4.1-2025-04-14: 10 × $2 + 10 cached × $0.50; 7 out × $8.
    expect(responses!.properties).toMatchObject({ $ai_input_cost_usd: 0.000025, $ai_output_cost_usd: 0.000056, $ai_total_cost_usd: 0.000081 });
    // gpt-3.5-turbo-instruct: 3 × $1.50, 2 × $2.
    expect(legacy!.properties).toMatchObject({ $ai_input_cost_usd: 0.0000045, $ai_output_cost_usd: 0.000004, $ai_total_cost_usd: 0.0000085 });
  });

  it('prices a streamed chat call from its final usage chunk', async () => {
    const chunk = (extra: object) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', ...extra })}\n\n`;
    const body =
      chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] }) +
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
      chunk({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 } }) +
      'data: [DONE]\n\n';
    mockOpenAI().post('/v1/chat/completions').reply(200, body, { 'content-type': 'text/event-stream' });
    const { ph, client } = tracked();
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _ of stream) {
      // consume
    }

    const [event] = await events(ph);
    expect(event!.properties).toMatchObject({ $ai_input_cost_usd: 0.00015, $ai_output_cost_usd: 0.00006, $ai_total_cost_usd: 0.00021 });
  });
});

describe('cost on $ai_embedding events', () => {
  it('sends an output cost of 0 with $ai_cost_passthrough, so PostHog keeps it', async () => {
    serve('/embeddings', embeddingResponse({ usage: { prompt_tokens: 8192, total_tokens: 8192 } }));
    const { ph, client } = tracked();
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });

    const [event] = await events(ph);
    expect(event!.event).toBe('$ai_embedding');
    expect(event!.properties).toMatchObject({
      $ai_input_cost_usd: 0.00016384,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0.00016384,
      $ai_cost_passthrough: true,
      $ai_cost_match: 'exact',
    });
  });
});

describe('unknown cost', () => {
  it('sends no cost, says why, and warns once per model id in the debug log', async () => {
    serve('/chat/completions', chatCompletion({ model: 'acme-private-llm-v2' }), 2);
    const logs: string[] = [];
    const { ph, client } = tracked({ debug: (message) => logs.push(message) });
    await client.chat.completions.create({ model: 'acme-private-llm-v2', messages: [{ role: 'user', content: 'Hi' }] });
    await client.chat.completions.create({ model: 'acme-private-llm-v2', messages: [{ role: 'user', content: 'Hi' }] });

    const received = await events(ph);
    expect(received).toHaveLength(2);
    for (const event of received) {
      for (const key of [...COST_KEYS, '$ai_cost_passthrough']) expect(event.properties).not.toHaveProperty(key);
      expect(event.properties.$ai_cost_unknown_reason).toBe('unknown_model');
      expect(event.properties.$ai_input_tokens).toBe(12);
    }
    const warnings = logs.filter((line) => line.includes('no cost for model "acme-private-llm-v2"'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('unknown_model');
  });

  it('a response without usage is marked no_usage', async () => {
    serve('/chat/completions', chatCompletion({ usage: undefined }));
    const { ph, client } = tracked();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    const [event] = await events(ph);
    expect(event!.properties.$ai_cost_unknown_reason).toBe('no_usage');
    for (const key of COST_KEYS) expect(event!.properties).not.toHaveProperty(key);
  });

  it('a failed call carries no cost and no marker', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(400, { error: { message: 'bad', type: 'invalid_request_error' } });
    const { ph, client } = tracked();
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [] })).rejects.toThrow();
    const [event] = await events(ph);
    expect(event!.properties.$ai_is_error).toBe(true);
    for (const key of [...COST_KEYS, '$ai_cost_unknown_reason']) expect(event!.properties).not.toHaveProperty(key);
  });
});

describe('the pricing option and posthogCostOverride', () => {
  it('overrides price unknown models, null turns costing off without a warning', async () => {
    serve('/chat/completions', chatCompletion({ model: 'acme-private-llm-v2' }));
    serve('/chat/completions', chatCompletion());
    const logs: string[] = [];
    const { ph, client } = tracked({
      debug: (message) => logs.push(message),
      pricing: { overrides: { 'acme-private-llm-v2': { input: 1, output: 2 }, 'gpt-4o-mini': null } },
    });
    await client.chat.completions.create({ model: 'acme-private-llm-v2', messages: [{ role: 'user', content: 'Hi' }] });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });

    const [custom, off] = await events(ph);
    expect(custom!.properties).toMatchObject({
      $ai_input_cost_usd: 0.000012,
      $ai_output_cost_usd: 0.00001,
      $ai_total_cost_usd: 0.000022,
      $ai_cost_match: 'override',
    });
    for (const key of COST_KEYS) expect(off!.properties).not.toHaveProperty(key);
    expect(off!.properties.$ai_cost_unknown_reason).toBe('disabled');
    expect(logs.some((line) => line.includes('no cost for model'))).toBe(false);
  });

  it('an alias prices a deployment name when the response names no model', async () => {
    serve('/chat/completions', chatCompletion({ model: undefined }));
    const { ph, client } = tracked({ pricing: { aliases: { 'prod-chat': 'gpt-4o-mini' } } });
    await client.chat.completions.create({ model: 'prod-chat', messages: [{ role: 'user', content: 'Hi' }] });
    const [event] = await events(ph);
    expect(event!.properties).toMatchObject({ $ai_total_cost_usd: 0.0000045, $ai_cost_match: 'user_alias', $ai_cost_price_id: 'gpt-4o-mini' });
  });

  it('posthogCostOverride is USD per token, as in @posthog/ai: cached tokens are input, reasoning tokens output', async () => {
    serve('/chat/completions', chatCompletion());
    const { ph, client } = tracked();
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      posthogCostOverride: { inputCost: 0.000002, outputCost: 0.00001 },
    });
    const [event] = await events(ph);
    // 12 input tokens (4 of them cached) × $0.000002; 5 output tokens (2 of them reasoning) × $0.00001.
    expect(event!.properties).toMatchObject({
      $ai_input_tokens: 12,
      $ai_output_tokens: 5,
      $ai_input_cost_usd: 0.000024,
      $ai_output_cost_usd: 0.00005,
      $ai_total_cost_usd: 0.000074,
      $ai_cost_passthrough: true,
    });
    expect(event!.properties).not.toHaveProperty('$ai_cost_price_id');
    expect(event!.properties).not.toHaveProperty('$ai_cost_unknown_reason');
  });

  it('posthogCostOverride on the Responses API and embeddings; a side left out counts as 0', async () => {
    serve('/responses', responsesResponse());
    serve('/embeddings', embeddingResponse());
    const { ph, client } = tracked();
    await client.responses.create({ model: 'gpt-4.1', input: 'Hi', posthogCostOverride: { inputCost: 0.000001, outputCost: 0.000004 } });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi', posthogCostOverride: { inputCost: 0.0000001 } });
    const [responses, embedding] = await events(ph);
    const { $ai_input_tokens: input, $ai_output_tokens: output } = responses!.properties as Record<string, number>;
    expect(responses!.properties).toMatchObject({
      $ai_input_cost_usd: Number((input! * 0.000001).toFixed(12)),
      $ai_output_cost_usd: Number((output! * 0.000004).toFixed(12)),
    });
    // 8 input tokens × $0.0000001, nothing for output.
    expect(embedding!.properties).toMatchObject({
      $ai_input_cost_usd: 0.0000008,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0.0000008,
      $ai_cost_passthrough: true,
    });
  });

  it('posthogCostOverride on a response without usage sends no cost and says why in the debug log', async () => {
    serve('/chat/completions', chatCompletion({ usage: undefined }));
    const logs: string[] = [];
    const { ph, client } = tracked({ debug: (message) => logs.push(message) });
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      posthogCostOverride: { inputCost: 0.000002, outputCost: 0.00001 },
    });
    const [event] = await events(ph);
    for (const key of COST_KEYS) expect(event!.properties).not.toHaveProperty(key);
    expect(logs.some((line) => line.includes('posthogCostOverride is per token'))).toBe(true);
  });

  it('posthogCallCostOverride is the cost of the whole call in USD and wins over posthogCostOverride', async () => {
    serve('/chat/completions', chatCompletion());
    const { ph, client } = tracked();
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      posthogCallCostOverride: { inputCost: 0.25, outputCost: 0 },
      posthogCostOverride: { inputCost: 1, outputCost: 1 },
    });
    const [event] = await events(ph);
    expect(event!.properties).toMatchObject({
      $ai_input_cost_usd: 0.25,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0.25,
      $ai_cost_passthrough: true,
    });
    expect(event!.properties).not.toHaveProperty('$ai_cost_price_id');
    expect(event!.properties).not.toHaveProperty('$ai_cost_unknown_reason');
  });

  it('posthogCallCostOverride is sent on a failed call too', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(400, { error: { message: 'bad', type: 'invalid_request_error' } });
    const { ph, client } = tracked();
    await expect(
      client.chat.completions.create({ model: 'gpt-4o', messages: [], posthogCallCostOverride: { inputCost: 0.001, outputCost: 0.002 } }),
    ).rejects.toThrow();
    const [event] = await events(ph);
    expect(event!.properties).toMatchObject({ $ai_is_error: true, $ai_input_cost_usd: 0.001, $ai_output_cost_usd: 0.002, $ai_total_cost_usd: 0.003 });
  });
});
