import { PRICE_TABLE } from './prices.js';
import type { PriceEntry, PriceSource } from './types.js';

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
  asOf: PRICE_TABLE.asOf,
  unit: PRICE_TABLE.unit,
  sources: PRICE_TABLE.sources,
};

/** Every provider the table prices, in the order their base URLs are tried. */
export const PRICED_PROVIDERS: readonly PricedProvider[] = [{ id: 'openai', name: 'OpenAI', apiPattern: 'https://api\\.openai\\.com' }];

const OPENAI: ProviderPrices = { id: 'openai', name: 'OpenAI', models: PRICE_TABLE.models };

/** The prices of the provider `id`, or undefined when the table has none. */
export function providerPrices(id: string): ProviderPrices | undefined {
  return id === 'openai' ? OPENAI : undefined;
}
