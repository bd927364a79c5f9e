import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateCost, createTrackedOpenAI } from '../src/index.js';
import { isLocalHost } from '../src/provider.js';
import { reportedCostOf } from '../src/pricing/reported.js';
import { providerPrices } from '../src/pricing/table.js';
import { type LocalOpenAI, localOpenAI, promptOf, sendJson } from './support/local-openai.mjs';
import { recordingPostHog } from './support/local-posthog.mjs';
import { settle } from './support/time.js';

// Which provider's prices a call gets (src/provider.ts, src/pricing/): the provider that served it,
// named by the `provider` option, the SDK's Azure client or the base URL the user wrote. Calls go
// to a local OpenAI-compatible server, reached through the provider's real base URL: the SDK's
// `fetch` option routes it, so detection sees the URLs users write.

let server: LocalOpenAI;
const MILLION_EACH = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };
/** The model the local server says served the call: the request's. */
beforeAll(async () => {
  server = await localOpenAI(({ request, response, body }) =>
    sendJson(response, 200, {
      id: 'chatcmpl-providers',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${promptOf(body)}`, refusal: null }, finish_reason: 'stop' }],
      // A test may say what the usage is (to report a cost, as OpenRouter does).
      usage: request.headers['x-test-usage'] ? JSON.parse(String(request.headers['x-test-usage'])) : MILLION_EACH,
    }),
  );
});
afterAll(() => server.close());

/** A `fetch` that sends every request to the local server, whatever host the SDK was given. */
function routedFetch(): typeof fetch {
  return (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const path = url.pathname.replace(/^.*?\/(chat\/completions|embeddings|responses|completions)$/, '/$1');
    return fetch(`${server.baseURL}${path}`, init);
  };
}

async function eventOf(baseURL: string, model: string, options: Record<string, unknown> = {}, callOptions: Record<string, unknown> = {}, usage?: unknown) {
  const { posthog, messages } = recordingPostHog();
  const sdk = new OpenAI({ apiKey: 'sk-test-providers', baseURL, maxRetries: 0, fetch: routedFetch() });
  const openai = createTrackedOpenAI(sdk, { posthog, ...options });
  const headers = usage === undefined ? undefined : { 'x-test-usage': JSON.stringify(usage) };
  await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], ...callOptions } as never, { headers });
  await settle();
  expect(messages).toHaveLength(1);
  return messages[0]!.properties;
}

describe('a call is priced with the prices of the provider that served it', () => {
  it('OpenAI: its own table', async () => {
    const properties = await eventOf('https://api.openai.com/v1', 'gpt-4o-mini');
    expect(properties).toMatchObject({ $ai_provider: 'openai', $ai_cost_provider: 'openai', $ai_cost_price_id: 'gpt-4o-mini', $ai_input_cost_usd: 0.15, $ai_output_cost_usd: 0.6 });
    expect(properties.$ai_cost_provider_assumed).toBeUndefined();
  });

  it('a host nobody knows (a gateway in front of OpenAI): OpenAI\'s prices, and the event says they were assumed', async () => {
    const properties = await eventOf('https://llm-gateway.acme-corp.example/v1', 'gpt-4o-mini');
    expect(properties).toMatchObject({ $ai_provider: 'acme-corp', $ai_cost_provider: 'openai', $ai_cost_provider_assumed: true, $ai_total_cost_usd: 0.75 });
  });

  it('a host nobody knows serving a model OpenAI does not sell: no cost, unknown_model', async () => {
    const properties = await eventOf('https://llm-gateway.acme-corp.example/v1', 'llama-3.3-70b-instruct');
    expect(properties.$ai_total_cost_usd).toBeUndefined();
    expect(properties.$ai_cost_unknown_reason).toBe('unknown_model');
  });

  it.each([
    ['http://127.0.0.1:11434/v1', 'Ollama'],
    ['http://localhost:1234/v1', 'LM Studio'],
    ['http://[::1]:8000/v1', 'vLLM over IPv6'],
    ['http://vllm:8000/v1', 'a container next door'],
    ['http://10.0.3.7/v1', 'a private network'],
  ])('a local host (%s, %s): no price unless one is given, and the event says why', async (baseURL) => {
    const properties = await eventOf(baseURL, 'gpt-4o-mini');
    expect(properties).toMatchObject({ $ai_provider: 'local', $ai_cost_unknown_reason: 'local_host' });
    expect(properties.$ai_total_cost_usd).toBeUndefined();
  });

  it('the `provider` option names whose prices apply, and nothing is guessed', async () => {
    const local = await eventOf('http://127.0.0.1:4010/v1', 'gpt-4o-mini', { provider: 'openai' });
    expect(local).toMatchObject({ $ai_provider: 'openai', $ai_cost_provider: 'openai', $ai_total_cost_usd: 0.75 });
    expect(local.$ai_cost_provider_assumed).toBeUndefined();
    const unknownToTable = await eventOf('https://llm-gateway.acme-corp.example/v1', 'gpt-4o-mini', { provider: 'acme-gateway' });
    expect(unknownToTable).toMatchObject({ $ai_provider: 'acme-gateway', $ai_cost_unknown_reason: 'no_provider_prices' });
  });

  it('a local host priced by the user: pricing.overrides apply', async () => {
    const properties = await eventOf('http://127.0.0.1:11434/v1', 'llama3.2', { pricing: { overrides: { 'llama3.2': { input: 0.1, output: 0.2 } } } });
    expect(properties).toMatchObject({ $ai_provider: 'local', $ai_cost_provider: 'local', $ai_cost_match: 'override', $ai_total_cost_usd: 0.3 });
  });

  it('pricing.providers: a price for one provider\'s model leaves the same name elsewhere alone', async () => {
    const pricing = { providers: { 'acme-corp': { overrides: { 'gpt-4o-mini': { input: 1, output: 1 } } } } };
    const atGateway = await eventOf('https://llm-gateway.acme-corp.example/v1', 'gpt-4o-mini', { pricing });
    expect(atGateway).toMatchObject({ $ai_cost_match: 'override', $ai_total_cost_usd: 2 });
    const atOpenAI = await eventOf('https://api.openai.com/v1', 'gpt-4o-mini', { pricing });
    expect(atOpenAI).toMatchObject({ $ai_cost_match: 'exact', $ai_total_cost_usd: 0.75 });
  });

  it('a per-call posthogProviderOverride names whose prices apply too', async () => {
    const properties = await eventOf('https://llm-gateway.acme-corp.example/v1', 'gpt-4o-mini', {}, { posthogProviderOverride: 'openai' });
    expect(properties).toMatchObject({ $ai_provider: 'openai', $ai_cost_provider: 'openai', $ai_total_cost_usd: 0.75 });
    expect(properties.$ai_cost_provider_assumed).toBeUndefined();
  });

  it('a known provider the table has no prices for: no cost, no_provider_prices (never another provider\'s numbers)', async () => {
    const properties = await eventOf('https://api.deepinfra.com/v1/openai', 'gpt-4o-mini');
    if (providerPrices('deepinfra')) return; // the table learned its prices
    expect(properties).toMatchObject({ $ai_provider: 'deepinfra', $ai_cost_unknown_reason: 'no_provider_prices' });
  });
});

describe('one model per provider, through the base URL users write, at its published price', () => {
  // Usage: 1,000,000 input tokens (200,000 of them cached) and 1,000,000 output tokens, so each cost
  // reads as the price per million: input × 0.8 + cached × 0.2 + output. Prices: genai-prices 0.1.8's
  // data (the provider's published prices, cited in test/pricing-table.test.ts).
  const usage = { ...MILLION_EACH, prompt_tokens_details: { cached_tokens: 200_000 } };
  const cases: [provider: string, baseURL: string, model: string, input: number, cached: number, output: number][] = [
    ['groq', 'https://api.groq.com/openai/v1', 'openai/gpt-oss-120b', 0.15, 0.075, 0.6],
    ['openrouter', 'https://openrouter.ai/api/v1', 'openai/gpt-4o', 2.5, 2.5, 10],
    ['together', 'https://api.together.xyz/v1', 'meta-llama/Llama-3.3-70B-Instruct-Turbo', 0.88, 0.88, 0.88],
    ['deepseek', 'https://api.deepseek.com', 'deepseek-v3.2', 0.2288, 0.2288, 0.3432],
    ['mistral', 'https://api.mistral.ai/v1', 'mistral-small-latest', 0.1, 0.1, 0.3],
    ['gemini', 'https://generativelanguage.googleapis.com/v1beta/openai/', 'gemini-2.5-flash', 0.3, 0.03, 2.5],
    ['xai', 'https://api.x.ai/v1', 'grok-4', 3, 0.75, 15],
    ['fireworks', 'https://api.fireworks.ai/inference/v1', 'accounts/fireworks/models/deepseek-v3p2', 0.56, 0.28, 1.68],
    ['openai', 'https://api.openai.com/v1', 'gpt-4o-mini', 0.15, 0.075, 0.6],
  ];

  it.each(cases)('%s: %s, %s', async (provider, baseURL, model, input, cached, output) => {
    const properties = await eventOf(baseURL, model, {}, {}, usage);
    expect(properties).toMatchObject({ $ai_provider: provider, $ai_cost_provider: provider });
    expect(properties.$ai_cost_provider_assumed).toBeUndefined();
    expect(properties.$ai_input_cost_usd).toBeCloseTo(input * 0.8 + cached * 0.2, 12);
    expect(properties.$ai_output_cost_usd).toBeCloseTo(output, 12);
  });

  it("Azure (the SDK's AzureOpenAI): Azure's prices, falling back to OpenAI's for a model Azure does not list", async () => {
    const { posthog, messages } = recordingPostHog();
    const sdk = new AzureOpenAI({ apiKey: 'sk-test-azure', endpoint: 'https://acme.openai.azure.com', apiVersion: '2024-10-21', deployment: 'prod-chat', maxRetries: 0, fetch: routedFetch() });
    const openai = createTrackedOpenAI(sdk, { posthog });
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await settle();
    const properties = messages[0]!.properties;
    expect(properties.$ai_provider).toBe('azure');
    expect(['azure', 'openai']).toContain(properties.$ai_cost_provider);
    expect(properties.$ai_total_cost_usd).toBeGreaterThan(0);
  });

  it("a model another provider sells under a look-alike name is never priced with that provider's numbers", async () => {
    // OpenAI's table has gpt-oss-120b; Groq's call to it is priced with Groq's price, not OpenAI's.
    const properties = await eventOf('https://api.groq.com/openai/v1', 'openai/gpt-oss-120b', {}, {}, MILLION_EACH);
    expect(properties).toMatchObject({ $ai_cost_provider: 'groq', $ai_input_cost_usd: 0.15, $ai_output_cost_usd: 0.6 });
    // A model Groq does not list stays unpriced at Groq, though OpenAI's table has it.
    const unlisted = await eventOf('https://api.groq.com/openai/v1', 'gpt-4o-mini', {}, {}, MILLION_EACH);
    expect(unlisted).toMatchObject({ $ai_provider: 'groq', $ai_cost_unknown_reason: 'unknown_model' });
  });
});

describe('the real bill: a cost the provider reports', () => {
  const OPENROUTER = 'https://openrouter.ai/api/v1';
  const billed = { ...MILLION_EACH, cost: 0.8125, is_byok: false, cost_details: { upstream_inference_cost: 0.75 } };

  it("OpenRouter's usage.cost is the event's cost, marked as reported; the raw usage goes along as $ai_usage", async () => {
    const properties = await eventOf(OPENROUTER, 'openai/gpt-4o-mini', {}, {}, billed);
    expect(properties).toMatchObject({
      $ai_provider: 'openrouter',
      $ai_total_cost_usd: 0.8125,
      $ai_cost_reported: true,
      $ai_cost_upstream_usd: 0.75,
      $ai_cost_passthrough: true,
      $ai_usage: billed,
    });
    expect(properties.$ai_input_cost_usd).toBeUndefined();
    if (providerPrices('openrouter')) expect(typeof properties.$ai_cost_estimate_usd).toBe('number');
  });

  it.each([
    ['0.8125', 'usage.cost is not a number (string)'],
    [-1, 'usage.cost is negative'],
  ])('a reported cost of %s is ignored, with the reason; the table prices the call', async (cost, reason) => {
    const properties = await eventOf('https://llm-gateway.acme-corp.example/v1', 'gpt-4o-mini', {}, {}, { ...MILLION_EACH, cost });
    expect(properties).toMatchObject({ $ai_cost_reported_ignored: reason, $ai_total_cost_usd: 0.75, $ai_cost_provider: 'openai' });
    expect(properties.$ai_cost_reported).toBeUndefined();
  });

  it('reportedCostOf: only a finite number >= 0 is a cost; the upstream share when it is one too', () => {
    expect(reportedCostOf({ cost: Number.POSITIVE_INFINITY })).toEqual({ ok: false, ignored: 'usage.cost is not finite' });
    expect(reportedCostOf({ cost: Number.NaN })).toEqual({ ok: false, ignored: 'usage.cost is not finite' });
    expect(reportedCostOf({ cost: 0 })).toEqual({ ok: true, usd: 0 });
    expect(reportedCostOf({ cost: 1, cost_details: { upstream_inference_cost: '2' } })).toEqual({ ok: true, usd: 1 });
    expect(reportedCostOf({ cost: null })).toBeUndefined();
    expect(reportedCostOf('usage')).toBeUndefined();
  });

  it('a per-call posthogCallCostOverride still wins over a reported cost', async () => {
    const properties = await eventOf(OPENROUTER, 'openai/gpt-4o-mini', {}, { posthogCallCostOverride: { inputCost: 0.1, outputCost: 0.2 } }, billed);
    expect(properties).toMatchObject({ $ai_input_cost_usd: 0.1, $ai_output_cost_usd: 0.2 });
    expect(properties.$ai_cost_reported).toBeUndefined();
  });

  it('$ai_usage: sent in privacy mode too (counts, no content), and a huge usage object is left out with a marker', async () => {
    const private_ = await eventOf('https://api.openai.com/v1', 'gpt-4o-mini', { privacyMode: true });
    expect(private_.$ai_usage).toEqual(MILLION_EACH);
    const huge = await eventOf('https://api.openai.com/v1', 'gpt-4o-mini', {}, {}, { ...MILLION_EACH, junk: 'x'.repeat(5000) });
    expect(huge.$ai_usage).toMatch(/^\[usage of more than 4096 characters left out\]$/);
    expect(huge.$ai_total_cost_usd).toBe(0.75);
  });
});

describe('odd base URLs: tracking never throws, and credentials never reach the event', () => {
  it.each([
    ['https://user:sk-secret-in-url@llm.acme-corp.example:8443/v1?key=sk-secret-in-query', 'acme-corp'],
    ['https://LLM.ACME-CORP.EXAMPLE/v1/', 'acme-corp'],
  ])('%s', async (baseURL, provider) => {
    const properties = await eventOf(baseURL, 'gpt-4o-mini');
    expect(properties.$ai_provider).toBe(provider);
    expect(JSON.stringify(properties)).not.toContain('sk-secret');
    expect(properties.$ai_total_cost_usd).toBe(0.75);
  });

  it('isLocalHost: loopback, private and single-label hosts are local; public ones are not', () => {
    for (const host of ['localhost', 'api.localhost', '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.10', '169.254.1.1', '::1', 'fd00::1', 'fe80::1', 'ollama', 'host.docker.internal', 'gpu-box.local']) {
      expect(isLocalHost(host), host).toBe(true);
    }
    for (const host of ['api.openai.com', '8.8.8.8', '172.32.0.1', '2001:db8::1', 'gateway.ai.cloudflare.com']) {
      expect(isLocalHost(host), host).toBe(false);
    }
  });

  it('a bad `provider` option is a TypeError at creation, naming the option', () => {
    const { posthog } = recordingPostHog();
    for (const provider of ['', 'two words', 42, {}]) {
      expect(() => createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test' }), { posthog, provider: provider as never })).toThrow(/option `provider`/);
    }
  });
});

describe('calculateCost() by provider', () => {
  const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };

  it('defaults to OpenAI, says whose price it used', () => {
    expect(calculateCost({ model: 'gpt-4o-mini', usage })).toMatchObject({ totalUsd: 0.75, provider: 'openai', priceId: 'gpt-4o-mini' });
  });

  it('a provider the table does not know: null; a provider id that is not a string: TypeError', () => {
    expect(calculateCost({ model: 'gpt-4o-mini', usage, provider: 'nobody-knows-me' })).toBeNull();
    expect(() => calculateCost({ model: 'gpt-4o-mini', usage, provider: 7 as never })).toThrow(TypeError);
  });
});
