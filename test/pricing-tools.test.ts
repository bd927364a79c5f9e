// nock first: posthog-node 4 keeps the fetch it finds when it is loaded, which nock must have patched by then.
import 'nock';
import { describe, expect, it } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { mockOpenAI, newOpenAI, responsesResponse } from './support/openai.js';
import { recordingPostHog } from './support/local-posthog.mjs';
import { settle } from './support/time.js';
import { chatOperation } from '../src/operations/chat.js';
import { responsesOperation } from '../src/operations/responses.js';
import { costWithCard, toolFees } from '../src/pricing/cost.js';
import { priceUsage } from '../src/pricing/calculate.js';
import { resolvePricing } from '../src/pricing/validate.js';
import { readTokenCounts } from '../src/usage.js';

// Fees and rates beside the text tokens: built-in tools billed per call (web and file searches),
// and image tokens at their own rate where the table has one (src/pricing/cost.ts).

const card = { input: 2_500_000, output: 10_000_000, inputImage: 1_000_000, webSearch: 10_000_000_000, fileSearch: 2_500_000_000 };

describe('built-in tool calls are counted from the result', () => {
  it('Responses: web and file searches per output item, code interpreter per container', () => {
    const result = {
      output: [
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { type: 'web_search_call', id: 'ws_2', status: 'completed' },
        { type: 'file_search_call', id: 'fs_1', status: 'completed' },
        { type: 'code_interpreter_call', id: 'ci_1', container_id: 'cntr_a' },
        { type: 'code_interpreter_call', id: 'ci_2', container_id: 'cntr_a' },
        { type: 'message', role: 'assistant', content: [] },
      ],
    };
    expect(responsesOperation.toolCalls!({}, result)).toEqual({ webSearch: 2, fileSearch: 1, codeInterpreter: 1 });
    expect(responsesOperation.toolCalls!({}, { output: [{ type: 'message' }] })).toBeUndefined();
    expect(responsesOperation.toolCalls!({}, { output: 'not a list' })).toBeUndefined();
  });

  it("chat: a search model's request is one web search; other models none", () => {
    expect(chatOperation.toolCalls!({ model: 'gpt-4o-search-preview' }, { model: 'gpt-4o-search-preview-2025-03-11' })).toEqual({ webSearch: 1, fileSearch: 0, codeInterpreter: 0 });
    expect(chatOperation.toolCalls!({ model: 'gpt-4o-mini' }, { model: 'gpt-4o-mini-2024-07-18' })).toBeUndefined();
  });
});

describe('tool fees', () => {
  it('are priced per call, exactly: 2 web searches at $10 / 1,000 and 1 file search at $2.50 / 1,000', () => {
    expect(toolFees(card, { webSearch: 2, fileSearch: 1, codeInterpreter: 0 })).toEqual({ ok: true, pico: 22_500_000_000 });
  });

  it("from the table: gpt-4o's web searches at $10 and file searches at $2.50 per 1,000, inside the total", () => {
    const outcome = priceUsage({
      models: ['gpt-4o-2024-08-06'],
      usage: { input_tokens: 1_000, output_tokens: 100 },
      serviceTier: undefined,
      time: Date.now(),
      pricing: resolvePricing(undefined, 'test'),
      toolCalls: { webSearch: 2, fileSearch: 4, codeInterpreter: 0 },
    });
    // 1,000 × $2.50 + 100 × $10 per million = $0.0035; 2 × $0.01 + 4 × $0.0025 = $0.03
    expect(outcome).toMatchObject({ ok: true, cost: { inputUsd: 0.0025, outputUsd: 0.001, toolsUsd: 0.03, totalUsd: 0.0335 } });
  });

  it('a search on a model without a per-search price: the cost is unknown (no_tool_price), not too low', () => {
    expect(toolFees({ input: 1, output: 1 }, { webSearch: 1, fileSearch: 0, codeInterpreter: 0 })).toEqual({ ok: false, reason: 'no_tool_price' });
    const usage = { input_tokens: 100, output_tokens: 10 };
    const outcome = priceUsage({
      models: ['acme-searcher'],
      usage,
      serviceTier: undefined,
      time: Date.now(),
      pricing: resolvePricing({ overrides: { 'acme-searcher': { input: 1, output: 1 } } }, 'test'),
      toolCalls: { webSearch: 1, fileSearch: 0, codeInterpreter: 0 },
    });
    expect(outcome).toEqual({ ok: false, reason: 'no_tool_price' });
  });
});

describe('image tokens', () => {
  it('are taken out of the input and billed at their own rate where the card has one', () => {
    const tokens = readTokenCounts({ input_tokens: 1_000, output_tokens: 100, input_tokens_details: { image_tokens: 400, cached_tokens: 0 } })!;
    expect(tokens.inputImage).toBe(400);
    // 600 text × 2.5 + 400 image × 1 (µUSD per token ×10^6), 100 × 10 output
    expect(costWithCard(card, tokens)).toEqual({ ok: true, cost: { input: 600 * 2_500_000 + 400 * 1_000_000, output: 1_000_000_000 } });
  });

  it('stay in the text input where the card has no image rate', () => {
    const tokens = readTokenCounts({ prompt_tokens: 1_000, completion_tokens: 0, prompt_tokens_details: { image_tokens: 400 } })!;
    expect(costWithCard({ input: 2_500_000, output: 10_000_000 }, tokens)).toEqual({ ok: true, cost: { input: 1_000 * 2_500_000, output: 0 } });
  });
});

describe('on the event', () => {
  it('a Responses call that searched the web: $ai_web_search_count, and the fee in the cost', async () => {
    const base = responsesResponse();
    mockOpenAI()
      .post('/v1/responses')
      .reply(200, { ...base, output: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }, ...base.output] });
    const { posthog, messages } = recordingPostHog();
    const openai = createTrackedOpenAI(newOpenAI(), { posthog });
    await openai.responses.create({ model: 'gpt-4.1', input: 'news?', tools: [{ type: 'web_search' }] } as never);
    await settle();
    const properties = messages[0]!.properties;
    expect(properties).toMatchObject({ $ai_web_search_count: 1, $ai_tools_cost_usd: 0.01 });
    expect(properties.$ai_total_cost_usd).toBeCloseTo(properties.$ai_input_cost_usd + properties.$ai_output_cost_usd + 0.01, 12);
  });
});
