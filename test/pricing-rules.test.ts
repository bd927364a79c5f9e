/**
 * The pricing rules beyond the table: user overrides, aliases and resolver, usage that is missing,
 * negative or self-contradictory, exact arithmetic, dates, option validation, and the shape of the
 * generated table.
 */
import { describe, expect, it } from 'vitest';
import { calculateCost, createTrackedOpenAI, type PricingOptions } from '../src/index.js';
import { priceUsage } from '../src/pricing/calculate.js';
import { addPico, costWithCard, picoToUsd } from '../src/pricing/cost.js';
import { fineTunedKey, normalizeModelId, withoutDateSuffix } from '../src/pricing/match.js';
import { PRICE_TABLE_INFO, providerPrices } from '../src/pricing/table.js';
import { resolvePricing } from '../src/pricing/validate.js';
import { newOpenAI } from './support/openai.js';

const chatUsage = (prompt: number, completion: number, cached = 0) => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
});
const DATE = '2026-11-01';

function reason(model: string, usage: unknown, pricing?: PricingOptions, serviceTier?: string): string | undefined {
  const outcome = priceUsage({
    models: [model],
    usage,
    serviceTier,
    time: Date.parse(DATE),
    pricing: resolvePricing(pricing, 'test'),
  });
  return outcome.ok ? undefined : outcome.reason;
}

describe('overrides', () => {
  it('prices a model the table does not know, with cached input at its own rate', () => {
    const pricing = { overrides: { 'acme-llm': { input: 1, output: 2, cachedInput: 0.5 } } };
    // 1000 in (400 cached), 500 out: 600 × $1 + 400 × $0.5 = $0.0008; 500 × $2 = $0.001.
    expect(calculateCost({ model: 'acme-llm', usage: chatUsage(1000, 500, 400), pricing })).toEqual({
      inputUsd: 0.0008,
      outputUsd: 0.001,
      totalUsd: 0.0018,
      priceId: 'acme-llm',
      provider: 'openai',
      match: 'override',
    });
  });

  it('wins over the table, matched trimmed, lower-cased and without a gateway prefix', () => {
    const pricing = { overrides: { ' GPT-4o ': { input: 2, output: 8 } } };
    const cost = calculateCost({ model: 'openai/gpt-4o', usage: chatUsage(1000, 1000), pricing });
    expect(cost).toMatchObject({ inputUsd: 0.002, outputUsd: 0.008, priceId: 'gpt-4o', match: 'override' });
  });

  it('applies whatever the service tier and the date', () => {
    const pricing = { overrides: { 'o3': { input: 1, output: 1 } } };
    const cost = calculateCost({ model: 'o3', usage: chatUsage(1000, 0), serviceTier: 'flex', date: '2025-01-01', pricing });
    expect(cost).toMatchObject({ inputUsd: 0.001, match: 'override' });
  });

  it('null turns costing off for that model only', () => {
    const pricing = { overrides: { 'gpt-4o-mini': null } };
    expect(calculateCost({ model: 'gpt-4o-mini', usage: chatUsage(1000, 10), pricing })).toBeNull();
    expect(reason('gpt-4o-mini', chatUsage(1000, 10), pricing)).toBe('disabled');
    expect(calculateCost({ model: 'gpt-4o', usage: chatUsage(1000, 10), pricing })).not.toBeNull();
  });

  it('prices audio only with an audio rate', () => {
    const usage = { ...chatUsage(1000, 100), prompt_tokens_details: { cached_tokens: 0, audio_tokens: 600 } };
    expect(calculateCost({ model: 'x', usage, pricing: { overrides: { x: { input: 1, output: 1 } } } })).toBeNull();
    const cost = calculateCost({ model: 'x', usage, pricing: { overrides: { x: { input: 1, output: 1, inputAudio: 10 } } } });
    // 400 text × $1 + 600 audio × $10 per million.
    expect(cost?.inputUsd).toBe(0.0064);
  });
});

describe('aliases', () => {
  it('price an Azure deployment name as the model it runs', () => {
    const pricing = { aliases: { 'prod-chat': 'gpt-4o-mini' } };
    expect(calculateCost({ model: 'prod-chat', usage: chatUsage(1000, 500), pricing })).toEqual({
      inputUsd: 0.00015,
      outputUsd: 0.0003,
      totalUsd: 0.00045,
      priceId: 'gpt-4o-mini',
      provider: 'openai',
      match: 'user_alias',
    });
  });

  it('may point at an override, and at an unknown model gives no cost', () => {
    const pricing = { aliases: { a: 'acme-llm', b: 'nothing-known' }, overrides: { 'acme-llm': { input: 3, output: 3 } } };
    expect(calculateCost({ model: 'a', usage: chatUsage(1000, 0), pricing })).toMatchObject({ inputUsd: 0.003, match: 'user_alias' });
    expect(calculateCost({ model: 'b', usage: chatUsage(1000, 0), pricing })).toBeNull();
    expect(reason('b', chatUsage(1000, 0), pricing)).toBe('unknown_model');
  });
});

describe('resolver', () => {
  it('may answer a price, a model id, null or undefined', () => {
    const seen: unknown[] = [];
    const pricing: PricingOptions = {
      resolver: (model, context) => {
        seen.push([model, context]);
        if (model === 'priced') return { input: 4, output: 4 };
        if (model === 'renamed') return 'gpt-4.1-mini';
        if (model === 'off') return null;
        return undefined;
      },
    };
    expect(calculateCost({ model: 'priced', usage: chatUsage(1000, 0), pricing })).toMatchObject({ inputUsd: 0.004, match: 'resolver' });
    expect(calculateCost({ model: 'renamed', usage: chatUsage(1000, 0), pricing })).toMatchObject({
      inputUsd: 0.0004,
      priceId: 'gpt-4.1-mini',
      provider: 'openai',
      match: 'resolver',
    });
    expect(calculateCost({ model: 'off', usage: chatUsage(1000, 0), pricing })).toBeNull();
    // undefined: the table decides.
    expect(calculateCost({ model: 'gpt-4.1-mini', usage: chatUsage(1000, 0), pricing })).toMatchObject({ match: 'exact' });
    expect(seen[0]).toEqual(['priced', { provider: 'openai', serviceTier: undefined }]);
  });

  it('comes after overrides and before aliases', () => {
    const pricing: PricingOptions = {
      overrides: { m: { input: 1, output: 1 } },
      aliases: { n: 'gpt-4o' },
      resolver: () => ({ input: 9, output: 9 }),
    };
    expect(calculateCost({ model: 'm', usage: chatUsage(1000, 0), pricing })?.match).toBe('override');
    expect(calculateCost({ model: 'n', usage: chatUsage(1000, 0), pricing })?.match).toBe('resolver');
  });

  it('that throws or answers nonsense gives no cost, never an exception', () => {
    const throwing = { resolver: () => { throw new Error('boom'); } };
    expect(calculateCost({ model: 'gpt-4o', usage: chatUsage(10, 10), pricing: throwing })).toBeNull();
    expect(reason('gpt-4o', chatUsage(10, 10), throwing)).toBe('resolver_failed');
    const nonsense = { resolver: () => ({ input: -1, output: 2 }) as never };
    expect(reason('gpt-4o', chatUsage(10, 10), nonsense)).toBe('resolver_failed');
  });
});

describe('usage', () => {
  it('none, null, empty or without token counts: no cost', () => {
    for (const usage of [undefined, null, {}, { total_tokens: 10 }, 'lots', 42]) {
      expect(calculateCost({ model: 'gpt-4o', usage })).toBeNull();
      expect(reason('gpt-4o', usage)).toBe('no_usage');
    }
  });

  it('missing fields count as 0', () => {
    expect(calculateCost({ model: 'gpt-4o', usage: { prompt_tokens: 1000 }, date: DATE })).toMatchObject({
      inputUsd: 0.0025,
      outputUsd: 0,
      totalUsd: 0.0025,
    });
    expect(calculateCost({ model: 'gpt-4o', usage: { completion_tokens: 100 }, date: DATE })).toMatchObject({ inputUsd: 0, outputUsd: 0.001 });
  });

  it('negative or non-numeric counts are counted as 0 and named', () => {
    const usage = {
      prompt_tokens: 1000,
      completion_tokens: -5,
      prompt_tokens_details: { cached_tokens: Number.NaN, audio_tokens: 'x' },
    };
    const cost = calculateCost({ model: 'gpt-4o', usage, date: DATE });
    expect(cost).toMatchObject({ inputUsd: 0.0025, outputUsd: 0, totalUsd: 0.0025 });
    expect(cost?.invalidUsage).toEqual(['completion_tokens', 'prompt_tokens_details.cached_tokens', 'prompt_tokens_details.audio_tokens']);
    for (const value of [cost!.inputUsd, cost!.outputUsd, cost!.totalUsd]) expect(Number.isFinite(value)).toBe(true);
  });

  it('details larger than their total: no cost rather than a negative one', () => {
    expect(calculateCost({ model: 'gpt-4o', usage: chatUsage(100, 10, 500) })).toBeNull();
    expect(reason('gpt-4o', chatUsage(100, 10, 500))).toBe('inconsistent_usage');
  });

  it('reasoning tokens are output tokens, counted once', () => {
    const usage = { ...chatUsage(0, 1000), completion_tokens_details: { reasoning_tokens: 900 } };
    expect(calculateCost({ model: 'o1', usage })?.outputUsd).toBe(0.06);
  });

  it('the same cost from chat, Responses and legacy shapes', () => {
    const chat = calculateCost({ model: 'gpt-4.1', usage: chatUsage(2000, 300, 1000) });
    const responses = calculateCost({
      model: 'gpt-4.1',
      usage: { input_tokens: 2000, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 300 },
    });
    expect(responses).toEqual(chat);
    const legacy = calculateCost({ model: 'gpt-3.5-turbo-instruct', usage: { prompt_tokens: 10, completion_tokens: 10 } });
    expect(legacy).toMatchObject({ inputUsd: 0.000015, outputUsd: 0.00002, totalUsd: 0.000035 });
  });
});

describe('exact amounts', () => {
  it('sums in integers: 0.0065, where adding float per-token rates gives 0.006500000000000001', () => {
    const floatSum = 1200 * (2.5 / 1e6) + 350 * (10 / 1e6);
    expect(floatSum).not.toBe(0.0065);
    expect(calculateCost({ model: 'gpt-4o', usage: chatUsage(1200, 350) })?.totalUsd).toBe(0.0065);
  });

  it('stays exact for huge token counts', () => {
    // 10 billion tokens of o1-pro output: $6,000,000.
    const cost = calculateCost({ model: 'o1-pro', usage: { prompt_tokens: 1, completion_tokens: 10_000_000_000 } });
    expect(cost).toMatchObject({ inputUsd: 0.00015, outputUsd: 6_000_000, totalUsd: 6_000_000.00015 });
  });

  it('below 2^50 plain integer doubles give the same amounts as BigInt; above, BigInt is used', () => {
    // A reference in BigInt only, over counts and rates of every size up to and past the bound.
    const card = { input: 2_500_000, output: 10_000_000, cacheRead: 1_250_000, inputAudio: 40_000_000, outputAudio: 80_000_000 };
    const reference = (input: number, output: number, cached: number, audioIn: number, audioOut: number) => {
      const pico =
        BigInt(input - cached - audioIn) * BigInt(card.input) +
        BigInt(cached) * BigInt(card.cacheRead) +
        BigInt(audioIn) * BigInt(card.inputAudio);
      const outPico = BigInt(output - audioOut) * BigInt(card.output) + BigInt(audioOut) * BigInt(card.outputAudio);
      return { input: pico, output: outPico };
    };
    let seed = 7;
    const random = (max: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * max);
    };
    for (const scale of [10, 1_000, 1_000_000, 100_000_000, 10_000_000_000, 1_000_000_000_000]) {
      for (let i = 0; i < 50; i++) {
        const input = random(scale) + 3;
        const output = random(scale) + 2;
        const cached = random(input / 3);
        const audioIn = random(input / 3);
        const audioOut = random(output);
        const tokens = { input, output, cacheRead: cached, cacheWrite: undefined, reasoning: undefined, inputAudio: audioIn, outputAudio: audioOut, inputImage: undefined, invalid: [] };
        const priced = costWithCard(card, tokens);
        expect(priced.ok).toBe(true);
        if (!priced.ok) continue;
        const exact = reference(input, output, cached, audioIn, audioOut);
        expect(BigInt(priced.cost.input)).toBe(exact.input);
        expect(BigInt(priced.cost.output)).toBe(exact.output);
        expect(picoToUsd(priced.cost.input)).toBe(picoToUsd(exact.input));
        expect(picoToUsd(addPico(priced.cost.input, priced.cost.output))).toBe(picoToUsd(exact.input + exact.output));
        if (scale >= 10_000_000_000) expect(typeof priced.cost.input).toBe('bigint');
      }
    }
  });

  it('never returns 0 or NaN for an unknown cost: it returns null', () => {
    expect(calculateCost({ model: 'acme-private-llm-v2', usage: chatUsage(1000, 200) })).toBeNull();
  });
});

describe('dates and price periods', () => {
  it('accepts a Date, an ISO string or a timestamp; defaults to now', () => {
    const usage = chatUsage(1_000_000, 0);
    const before = Date.UTC(2025, 5, 9, 23, 59, 59);
    expect(calculateCost({ model: 'o3', usage, date: new Date(before) })?.inputUsd).toBe(10);
    expect(calculateCost({ model: 'o3', usage, date: before + 1000 })?.inputUsd).toBe(2);
    expect(calculateCost({ model: 'o3', usage, date: '2025-06-10' })?.inputUsd).toBe(2);
    expect(calculateCost({ model: 'o3', usage })?.inputUsd).toBe(2);
  });

  it('a GPT-5.6 price cut applies from its day on', () => {
    const usage = { input_tokens: 100_000, output_tokens: 0 };
    expect(calculateCost({ model: 'gpt-5.6-luna', usage, date: '2026-07-29T23:59:59Z' })?.inputUsd).toBe(0.1);
    expect(calculateCost({ model: 'gpt-5.6-luna', usage, date: '2026-07-30' })?.inputUsd).toBe(0.02);
    expect(calculateCost({ model: 'gpt-5.6-sol', usage, date: '2026-08-20' })?.inputUsd).toBe(0.5);
    expect(calculateCost({ model: 'gpt-5.6-sol', usage, date: '2026-08-21' })?.inputUsd).toBe(0.4);
  });

  it('calls of one model on either side of a price change get their own price (the last card kept holds only for its dates)', () => {
    const pricing = resolvePricing(undefined, 'test');
    const usage = { input_tokens: 100_000, output_tokens: 0 };
    const at = (date: string) => {
      const outcome = priceUsage({ models: ['gpt-5.6-luna'], usage, serviceTier: undefined, time: Date.parse(date), pricing });
      return outcome.ok ? outcome.cost.inputUsd : outcome.reason;
    };
    expect(at('2026-07-29T23:59:59Z')).toBe(0.1);
    expect(at('2026-07-30')).toBe(0.02);
    expect(at('2026-07-29T12:00:00Z')).toBe(0.1);
    expect(at('2026-08-30')).toBe(0.02);
    // Another tier or model in between is its own choice, and the first comes back unchanged.
    expect(priceUsage({ models: ['gpt-5.6-luna'], usage, serviceTier: 'scale', time: Date.parse('2026-08-30'), pricing })).toEqual({
      ok: false,
      reason: 'unknown_service_tier',
    });
    expect(at('2026-08-30')).toBe(0.02);
  });

  it('rejects an invalid date or a non-string model with a TypeError', () => {
    expect(() => calculateCost({ model: 'gpt-4o', usage: {}, date: 'yesterday' })).toThrow(TypeError);
    expect(() => calculateCost({ model: 42 as never, usage: {} })).toThrow(/`model`/);
  });
});

describe('matching helpers', () => {
  it('normalizes ids and reads fine-tuned and dated ids', () => {
    expect(normalizeModelId(' OpenAI/GPT-4o ')).toBe('gpt-4o');
    expect(normalizeModelId('openai:gpt-4o')).toBe('gpt-4o');
    expect(fineTunedKey('ft:gpt-4o-mini-2024-07-18:acme::9pXyZ1ab')).toBe('ft:gpt-4o-mini-2024-07-18');
    expect(fineTunedKey('gpt-4o-2024-08-06.ft-5f2d9c')).toBe('ft:gpt-4o-2024-08-06');
    expect(fineTunedKey('gpt-4o')).toBeUndefined();
    expect(withoutDateSuffix('gpt-4.1-mini-2099-01-01')).toBe('gpt-4.1-mini');
    expect(withoutDateSuffix('gpt-4-0613')).toBe('gpt-4');
    expect(withoutDateSuffix('gpt-4-1337')).toBeUndefined();
    expect(withoutDateSuffix('gpt-4o')).toBeUndefined();
  });
});

describe('the pricing option is checked when the client is created', () => {
  const posthog = { capture() {} };
  const cases: { name: string; pricing: unknown; message: RegExp }[] = [
    { name: 'not an object', pricing: 'cheap', message: /option `pricing` must be an object, got a string/ },
    { name: 'an unknown field', pricing: { override: {} }, message: /unknown field `override`/ },
    { name: 'a negative price', pricing: { overrides: { m: { input: -1, output: 1 } } }, message: /overrides\["m"\]\.input must be a finite number >= 0/ },
    { name: 'a NaN price', pricing: { overrides: { m: { input: 1, output: Number.NaN } } }, message: /overrides\["m"\]\.output must be a finite number/ },
    { name: 'a price as a string', pricing: { overrides: { m: { input: '1', output: 1 } } }, message: /\.input must be a finite number >= 0 \(USD per million tokens\), got a string/ },
    { name: 'a missing output', pricing: { overrides: { m: { input: 1 } } }, message: /overrides\["m"\]\.output is required/ },
    { name: 'a misspelt field', pricing: { overrides: { m: { input: 1, output: 1, cached_input: 0.5 } } }, message: /unknown field `cached_input`/ },
    { name: 'too many decimals', pricing: { overrides: { m: { input: 0.0000001, output: 1 } } }, message: /at most 6 decimals/ },
    { name: 'a price that is not an object', pricing: { overrides: { m: 5 } }, message: /overrides\["m"\] must be an object like \{ input, output \}/ },
    { name: 'an alias to nothing', pricing: { aliases: { d: '' } }, message: /aliases\["d"\] must be a model id/ },
    { name: 'a resolver that is not a function', pricing: { resolver: 'gpt-4o' }, message: /resolver must be a function/ },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      expect(() => createTrackedOpenAI(newOpenAI(), { posthog, pricing: c.pricing as PricingOptions })).toThrow(TypeError);
      expect(() => createTrackedOpenAI(newOpenAI(), { posthog, pricing: c.pricing as PricingOptions })).toThrow(c.message);
    });
  }

  it('accepts valid overrides, null overrides, aliases and a resolver', () => {
    expect(() =>
      createTrackedOpenAI(newOpenAI(), {
        posthog,
        pricing: {
          overrides: { a: { input: 0.15, output: 0.6, cachedInput: 0.075, cacheWrite: 0.1875 }, b: null },
          aliases: { 'prod-deployment': 'gpt-4o' },
          resolver: () => undefined,
        },
      }),
    ).not.toThrow();
  });

  it('calculateCost checks its pricing the same way', () => {
    expect(() => calculateCost({ model: 'm', usage: {}, pricing: { overrides: { m: { input: -2, output: 0 } } } })).toThrow(
      /calculateCost\(\): `pricing`\.overrides\["m"\]\.input/,
    );
  });
});

describe('the generated table', () => {
  it('records its date and sources', () => {
    expect(PRICE_TABLE_INFO.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE_INFO.unit).toBe('pico-USD per token');
    expect(PRICE_TABLE_INFO.sources.map((s) => s.name).join(' ')).toMatch(/genai-prices.*OpenAI.*langfuse.*litellm/s);
  });

  it('holds integer rates, sorted periods and every family the issue names', () => {
    for (const entry of providerPrices('openai')!.models) {
      let last = '';
      for (const period of entry.periods) {
        expect((period.from ?? '') >= last, entry.id).toBe(true);
        last = period.from ?? '';
        for (const card of [period.standard, period.priority, period.flex, period.batch]) {
          for (const rates of [card, card?.longContext]) {
            for (const [key, value] of Object.entries(rates ?? {})) {
              if (key === 'images') for (const [size, price] of Object.entries(value as object)) expect(Number.isSafeInteger(price), `${entry.id} ${size}`).toBe(true);
              else if (key !== 'longContext') expect(Number.isSafeInteger(value), `${entry.id} ${key}`).toBe(true);
            }
          }
        }
      }
    }
    const ids = new Set(providerPrices('openai')!.models.map((m) => m.id));
    for (const id of ['gpt-3.5-turbo', 'gpt-4', 'gpt-4o', 'gpt-4.1', 'gpt-5', 'gpt-5.6-sol', 'gpt-6-sol', 'o1', 'o3', 'o4-mini', 'gpt-audio', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'davinci-002', 'ft:gpt-4o-mini']) {
      expect(ids.has(id), id).toBe(true);
    }
  });
});
