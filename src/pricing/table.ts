import priceModels from './price-models.js';
import { PRICE_META } from './prices.js';
import type { PriceEntry, PricePeriod, PriceSource, PricingProvider, RateCard, Rates } from './types.js';

/** One provider's prices: the models it serves, as it bills them. */
export interface ProviderPrices {
  /** Our name for the provider, as `$ai_provider` says it: `openai`, `groq`, `gemini`, ... */
  readonly id: string;
  readonly name: string;
  /** Providers whose prices apply to a model this one does not list (Azure: OpenAI's), in order. */
  readonly fallbacks?: readonly string[];
  readonly models: readonly PriceEntry[];
}

/** A provider the table knows, without its models (nothing decoded). */
export interface PricedProvider {
  readonly id: string;
  readonly name: string;
  /** A regular expression a base URL of this provider's API matches (from genai-prices' `api_pattern`). */
  readonly apiPattern?: string;
}

/** What the table is and where its facts come from. */
export const PRICE_TABLE_INFO: { readonly asOf: string; readonly unit: 'pico-USD per token'; readonly sources: readonly PriceSource[] } = {
  asOf: PRICE_META.asOf,
  unit: PRICE_META.unit,
  sources: PRICE_META.sources,
};

/** Every provider the table prices, in the order their base URLs are tried. */
export const PRICED_PROVIDERS: readonly PricedProvider[] = PRICE_META.providers.map(({ id, name, apiPattern }) =>
  apiPattern === undefined ? { id, name } : { id, name, apiPattern },
);

// The compact form of the models (written by scripts/update-prices.mjs, described in price-models.ts).
type CompactRates = readonly (number | null | CompactLongContext | CompactImagePrices)[];
type CompactImagePrices = { readonly [qualityAndSize: string]: number };
type CompactLongContext = readonly [aboveInputTokens: number, ...rates: (number | null)[]];
type CompactPeriod = { readonly from?: string } & { readonly [tier in 'standard' | 'priority' | 'flex' | 'batch']?: CompactRates };
type CompactModel = readonly [
  id: string,
  periods: CompactRates | readonly CompactPeriod[],
  match?: { readonly aliases?: string[]; readonly prefixes?: string[]; readonly patterns?: string[] },
];

/** USD per million tokens → pico-USD per token (exact: the script checked that each rate survives the trip). */
const pico = (usd: number) => Math.round(usd * 1e6);

/** Where each rate is in a compact card, in the key order of the table's rate objects. */
const RATE_AT = [
  ['input', 0],
  ['cacheRead', 2],
  ['cacheWrite', 3],
  ['output', 1],
  ['inputAudio', 4],
  ['outputAudio', 5],
  ['inputImage', 6],
  ['webSearch', 7],
  ['fileSearch', 8],
  ['outputImage', 9],
  ['audioSecond', 10],
  ['character', 11],
] as const;

function decodeRates(values: readonly unknown[]): Rates {
  const rates: { [key: string]: number | Record<string, number> } = {};
  for (const [key, index] of RATE_AT) {
    const value = values[index];
    if (typeof value === 'number') rates[key] = pico(value);
  }
  // Per-image prices, by quality and size: an object after the rates.
  const images = values.find((value): value is Record<string, number> => value !== null && typeof value === 'object' && !Array.isArray(value));
  if (images) rates.images = Object.fromEntries(Object.entries(images).map(([key, usd]) => [key, pico(usd)]));
  return rates as unknown as Rates;
}

function decodeCard(values: CompactRates): RateCard {
  const last = values[values.length - 1];
  if (!Array.isArray(last)) return decodeRates(values);
  const [aboveInputTokens, ...rates] = last as CompactLongContext;
  return { ...decodeRates(values.slice(0, -1)), longContext: { aboveInputTokens, ...decodeRates(rates) } };
}

function decodePeriod({ from, standard, priority, flex, batch }: CompactPeriod): PricePeriod {
  return {
    ...(from !== undefined && { from }),
    standard: decodeCard(standard!),
    ...(priority && { priority: decodeCard(priority) }),
    ...(flex && { flex: decodeCard(flex) }),
    ...(batch && { batch: decodeCard(batch) }),
  };
}

function decodeModel([id, periods, match]: CompactModel): PriceEntry {
  // One period with standard rates only is written as its card, whose first element is a number.
  const single = typeof periods[0] === 'number';
  return {
    id,
    ...(match?.aliases && { aliases: match.aliases }),
    ...(match?.prefixes && { prefixes: match.prefixes }),
    ...(match?.patterns && { patterns: match.patterns }),
    periods: single ? [{ standard: decodeCard(periods as CompactRates) }] : (periods as readonly CompactPeriod[]).map(decodePeriod),
  };
}

const infos = new Map(PRICE_META.providers.map((info) => [info.id, info]));
const decoded = new Map<string, ProviderPrices>();

/**
 * The prices of the provider `id` (our lower-case id, as `$ai_provider` names it; compared as
 * given), or undefined when the table has none. A provider's models are read and decoded the first
 * time it is asked for (in Node, from dist/prices/<id>.json); the same object is returned from then on.
 */
export function providerPrices(id: string): ProviderPrices | undefined {
  const done = decoded.get(id);
  if (done !== undefined) return done;
  const info = infos.get(id);
  if (info === undefined) return undefined;
  const models = (priceModels(id) as readonly CompactModel[]).map(decodeModel);
  const prices: ProviderPrices = info.fallbacks ? { id, name: info.name, fallbacks: info.fallbacks, models } : { id, name: info.name, models };
  decoded.set(id, prices);
  return prices;
}

/** One object per provider of the table, so that a client's memory of prices (`PricingState`) finds it again. */
const tablePrices = new Map<string, PricingProvider>();

/** The prices that apply at a provider named by the caller or by its URL: its own table, or none. */
export function pricesOf(provider: string): PricingProvider {
  // Whether the table has the provider, without reading its models (those wait for its first price).
  if (!infos.has(provider)) return { id: provider, table: undefined, assumed: false, unpricedBecause: 'no_provider_prices' };
  let prices = tablePrices.get(provider);
  if (!prices) tablePrices.set(provider, (prices = Object.freeze({ id: provider, table: provider, assumed: false })));
  return prices;
}
