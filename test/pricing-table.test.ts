/**
 * CI check: the committed price table is exactly what `npm run prices:update` generates from the
 * installed @pydantic/genai-prices and scripts/prices-supplement.json (offline: nothing is fetched);
 * and the table as src/pricing/table.ts serves it: every provider decodes to what the script built,
 * ids are lower-case and unique, rates are integers, and a few published prices are what
 * genai-prices says.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildPriceTable, renderPriceFiles } from '../scripts/update-prices.mjs';
import { PricingState } from '../src/pricing/state.js';
import { PRICE_TABLE_INFO, PRICED_PROVIDERS, pricesOf, providerPrices } from '../src/pricing/table.js';
import type { PriceChoice, PriceEntry, RateCard } from '../src/pricing/types.js';

interface BuiltTable {
  table: { providers: { id: string; name: string; apiPattern?: string; fallbacks?: string[]; models: PriceEntry[] }[] };
  skipped: string[];
}
const built = (await buildPriceTable()) as unknown as BuiltTable;

describe('src/pricing/prices.ts and price-models.ts', () => {
  it('are what scripts/update-prices.mjs generates (run `npm run prices:update` after changing its inputs)', async () => {
    const files = (await renderPriceFiles(built as never)) as Record<string, string>;
    expect(Object.keys(files)).toHaveLength(2);
    for (const [path, text] of Object.entries(files)) expect(readFileSync(path, 'utf8') === text, path).toBe(true);
  });

  it('decide on every provider of @pydantic/genai-prices (a new one fails the script until decided)', async () => {
    const require = createRequire(import.meta.url);
    const { waitForUpdate } = require('@pydantic/genai-prices') as { waitForUpdate: () => Promise<{ id: string }[]> };
    const supplement = JSON.parse(readFileSync(new URL('../scripts/prices-supplement.json', import.meta.url), 'utf8')) as {
      providers: Record<string, { include: boolean; id?: string; reason: string }>;
    };
    const decided = Object.keys(supplement.providers).filter((id) => !id.startsWith('$'));
    expect(decided.sort()).toEqual((await waitForUpdate()).map((provider) => provider.id).sort());
    const included = decided.filter((id) => supplement.providers[id]!.include).map((id) => supplement.providers[id]!.id ?? id);
    expect(PRICED_PROVIDERS.map((provider) => provider.id).sort()).toEqual(included.sort());
  });
});

describe('the table served by src/pricing/table.ts', () => {
  it('names its date, unit and sources, genai-prices first', () => {
    expect(PRICE_TABLE_INFO.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE_INFO.unit).toBe('pico-USD per token');
    expect(PRICE_TABLE_INFO.sources[0]).toMatchObject({ name: expect.stringContaining('@pydantic/genai-prices'), license: 'MIT' });
  });

  it('lists each provider with its id, name and API pattern, and no models', () => {
    expect(PRICED_PROVIDERS.length).toBeGreaterThanOrEqual(30);
    for (const provider of PRICED_PROVIDERS) {
      expect(Object.keys(provider).sort(), provider.id).toEqual(provider.apiPattern === undefined ? ['id', 'name'] : ['apiPattern', 'id', 'name']);
      expect(() => new RegExp(provider.apiPattern ?? ''), provider.id).not.toThrow();
    }
    const ids = PRICED_PROVIDERS.map((provider) => provider.id);
    expect(new Set(ids).size).toBe(ids.length);
    // $ai_provider's names for genai-prices' google and x-ai.
    expect(ids).toEqual(expect.arrayContaining(['openai', 'azure', 'openrouter', 'groq', 'together', 'deepseek', 'mistral', 'gemini', 'xai', 'fireworks']));
    expect(ids).not.toEqual(expect.arrayContaining(['google']));
    expect(ids).not.toEqual(expect.arrayContaining(['x-ai']));
  });

  it('decodes every provider to exactly the models the script built, once', () => {
    for (const source of built.table.providers) {
      const prices = providerPrices(source.id);
      expect(prices, source.id).toBeDefined();
      expect(prices!.name).toBe(source.name);
      expect(prices!.fallbacks).toEqual(source.fallbacks);
      expect(prices!.models.length, source.id).toBeGreaterThan(0);
      expect(prices!.models, source.id).toEqual(source.models);
      expect(JSON.stringify(prices!.models), source.id).toBe(JSON.stringify(source.models));
      expect(providerPrices(source.id), source.id).toBe(prices);
    }
    expect(providerPrices('google')).toBeUndefined();
    expect(providerPrices('OpenAI')).toBeUndefined();
    expect(providerPrices('constructor')).toBeUndefined();
  });

  it("keeps Azure's fallbacks, as our ids", () => {
    expect(providerPrices('azure')!.fallbacks).toEqual(['openai', 'anthropic', 'deepseek', 'xai', 'moonshotai']);
  });

  it('has lower-case ids, unique within each provider (aliases included)', () => {
    for (const { id } of PRICED_PROVIDERS) {
      expect(id).toBe(id.toLowerCase());
      const names = providerPrices(id)!.models.flatMap((entry) => [entry.id, ...(entry.aliases ?? [])]);
      for (const name of names) expect(name, `${id} ${name}`).toBe(name.toLowerCase());
      expect(new Set(names).size, id).toBe(names.length);
      for (const entry of providerPrices(id)!.models) {
        for (const prefix of entry.prefixes ?? []) expect(prefix, `${id} ${entry.id}`).toBe(prefix.toLowerCase());
        for (const pattern of entry.patterns ?? []) expect(pattern, `${id} ${entry.id}`).toMatch(/^\^.*\$$/);
      }
    }
  });

  it('holds non-negative integer rates, input and output on every card, periods in date order', () => {
    const checkRates = (rates: object, where: string) => {
      for (const [key, value] of Object.entries(rates)) {
        if (key === 'longContext') continue;
        // Per-image prices: a rate per "<quality> <size>".
        if (key === 'images') {
          checkRates(value as object, `${where} images`);
          continue;
        }
        expect(Number.isSafeInteger(value) && (value as number) >= 0, `${where} ${key}: ${String(value)}`).toBe(true);
      }
    };
    for (const { id } of PRICED_PROVIDERS) {
      for (const entry of providerPrices(id)!.models) {
        let last = '';
        for (const period of entry.periods) {
          expect((period.from ?? '') >= last, `${id} ${entry.id}`).toBe(true);
          last = period.from ?? '';
          for (const card of [period.standard, period.priority, period.flex, period.batch] as (RateCard | undefined)[]) {
            if (!card) continue;
            const where = `${id} ${entry.id}`;
            expect(card.input, where).toBeTypeOf('number');
            expect(card.output, where).toBeTypeOf('number');
            checkRates(card, where);
            if (card.longContext) {
              checkRates(card.longContext, `${where} longContext`);
              expect(Number.isSafeInteger(card.longContext.aboveInputTokens), where).toBe(true);
            }
          }
        }
      }
    }
  });

  /** The standard rates (latest period) of the entry a provider's table lists under `name` (its id or an alias). */
  const standard = (provider: string, name: string) => {
    const entry = providerPrices(provider)!.models.find((model) => model.id === name || model.aliases?.includes(name));
    expect(entry, `${provider} ${name}`).toBeDefined();
    return entry!.periods[entry!.periods.length - 1]!.standard;
  };

  // Expected values: @pydantic/genai-prices 0.1.8's data (dist/index.js), USD per million tokens x 10^6.
  it("has genai-prices' published prices (spot checks)", () => {
    // groq "openai/gpt-oss-120b": input_mtok 0.15, cache_read_mtok 0.075, output_mtok 0.6
    expect(standard('groq', 'openai/gpt-oss-120b')).toEqual({ input: 150_000, cacheRead: 75_000, output: 600_000 });
    // deepseek "deepseek-v3.2": input_mtok 0.2288, output_mtok 0.3432
    expect(standard('deepseek', 'deepseek-v3.2')).toEqual({ input: 228_800, output: 343_200 });
    // mistral "mistral-small-latest": input_mtok 0.1, output_mtok 0.3; "codestral" (equals codestral-latest): 0.3 / 0.9
    expect(standard('mistral', 'mistral-small-latest')).toEqual({ input: 100_000, output: 300_000 });
    expect(standard('mistral', 'codestral-latest')).toEqual({ input: 300_000, output: 900_000 });
    // google "gemini-2.5-flash": input_mtok 0.3, cache_read_mtok 0.03, output_mtok 2.5, input_audio_mtok 1
    expect(standard('gemini', 'gemini-2.5-flash')).toEqual({ input: 300_000, cacheRead: 30_000, output: 2_500_000, inputAudio: 1_000_000 });
    // google "gemini-2.5-pro": input 1.25 / 2.5, cache read 0.125 / 0.25, output 10 / 15, tiers from 200,000 input tokens
    expect(standard('gemini', 'gemini-2.5-pro')).toEqual({
      input: 1_250_000,
      cacheRead: 125_000,
      output: 10_000_000,
      longContext: { aboveInputTokens: 200_000, input: 2_500_000, cacheRead: 250_000, output: 15_000_000 },
    });
    // x-ai "grok-4-0709" (equals grok-4): input_mtok 3, cache_read_mtok 0.75, output_mtok 15
    expect(standard('xai', 'grok-4')).toEqual({ input: 3_000_000, cacheRead: 750_000, output: 15_000_000 });
    // together "meta-llama/Llama-3.3-70B-Instruct-Turbo": input_mtok 0.88, output_mtok 0.88 (id lower-cased)
    expect(standard('together', 'meta-llama/llama-3.3-70b-instruct-turbo')).toEqual({ input: 880_000, output: 880_000 });
    // fireworks "deepseek-v3p2" (equals accounts/fireworks/models/deepseek-v3p2): 0.56, cache read 0.28, output 1.68
    expect(standard('fireworks', 'accounts/fireworks/models/deepseek-v3p2')).toEqual({ input: 560_000, cacheRead: 280_000, output: 1_680_000 });
    // openrouter "openai/gpt-4o": input_mtok 2.5, output_mtok 10; "anthropic/claude-sonnet-4": 3, cache write 3.75, cache read 0.3, output 15
    expect(standard('openrouter', 'openai/gpt-4o')).toEqual({ input: 2_500_000, output: 10_000_000 });
    expect(standard('openrouter', 'anthropic/claude-sonnet-4')).toEqual({ input: 3_000_000, cacheRead: 300_000, cacheWrite: 3_750_000, output: 15_000_000 });
  });

  it('leaves out what it cannot hold, and says so', () => {
    const skipped = built.skipped.join('\n');
    // Off-peak (time-of-day) prices, a per-request fee, an image-output rate, and a rate finer than a pico-USD.
    expect(skipped).toMatch(/^deepseek deepseek-chat: time-of-day prices$/m);
    expect(skipped).toMatch(/^perplexity sonar: requests_kcount: /m);
    expect(skipped).toMatch(/^google gemini-2\.5-flash-image: output_image_mtok: /m);
    expect(skipped).toMatch(/^openrouter google\/gemini-2\.5-flash-lite: cache_write_mtok: .* more than 6 decimals$/m);
    // Substring rules are never used: the model keeps its own id.
    expect(skipped).toMatch(/^aws amazon\.nova-lite-v1:0: match rule \{"contains":"amazon\.nova-lite"\}$/m);
    for (const [provider, model] of [
      ['deepseek', 'deepseek-chat'],
      ['perplexity', 'sonar'],
      ['gemini', 'gemini-2.5-flash-image'],
      ['openrouter', 'google/gemini-2.5-flash-lite'],
    ] as const) {
      expect(providerPrices(provider)!.models.some((entry) => entry.id === model), `${provider} ${model}`).toBe(false);
    }
  });
});

describe('PricingState: the prices a client remembers', () => {
  /** A state, and a `choose` that counts its calls and returns a new object each time (a look-up's answer is told by identity). */
  function counted(): { state: PricingState; choose: () => PriceChoice; chosen: () => number } {
    let chosen = 0;
    const choose = (): PriceChoice => {
      chosen += 1;
      return { ok: false, reason: 'unknown_model' };
    };
    return { state: new PricingState(), choose, chosen: () => chosen };
  }

  it('chooses once per provider and pair of model ids, and again for another provider or model', () => {
    const { state, choose, chosen } = counted();
    const openai = pricesOf('openai');
    const first = state.choice(openai, ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], choose);
    expect(state.choice(pricesOf('openai'), ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], choose)).toBe(first);
    expect(chosen()).toBe(1);
    state.choice(openai, ['gpt-4o-mini-2024-07-18'], choose);
    state.choice(openai, ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18'], choose);
    state.choice(pricesOf('groq'), ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'], choose);
    expect(chosen()).toBe(4);
  });

  it('remembers a bounded number of choices', () => {
    const { state, choose, chosen } = counted();
    const openai = pricesOf('openai');
    for (let i = 0; i < 1500; i++) state.choice(openai, [`model-${i}`], choose);
    // Past 1,000 it starts again: the oldest are chosen anew, the newest are still remembered.
    state.choice(openai, ['model-0'], choose);
    state.choice(openai, ['model-1499'], choose);
    expect(chosen()).toBe(1501);
  });
});
