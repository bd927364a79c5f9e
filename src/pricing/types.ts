/**
 * Rates in pico-USD per token (= USD per million tokens × 10^6), always integers, so that
 * `tokens × rate` is exact. The few models billed by another unit (images, seconds of audio,
 * characters) have their rate in pico-USD per that unit, integers too. A missing cache rate means those tokens cost the input rate; a missing
 * audio rate means audio tokens can't be priced.
 */
export interface Rates {
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
  readonly inputAudio?: number;
  readonly outputAudio?: number;
  /** Image tokens inside the input (`image_tokens` in the input details), where they have their own rate. */
  readonly inputImage?: number;
  /** Per call, not per token: a built-in web search (Responses `web_search`, chat's search models). */
  readonly webSearch?: number;
  /** Per call, not per token: a built-in file search (Responses `file_search`). */
  readonly fileSearch?: number;
  /** Image tokens inside the output (`output_tokens_details.image_tokens`), where they have their own rate. */
  readonly outputImage?: number;
  /** Per second of input audio, not per token (`whisper-1`, `gpt-transcribe`). */
  readonly audioSecond?: number;
  /** Per character of input text, not per token (`tts-1`, `tts-1-hd`). */
  readonly character?: number;
  /** Per image made, not per token (`dall-e-2`, `dall-e-3`), by `"<quality> <size>"` (`"hd 1024x1792"`). */
  readonly images?: Readonly<Record<string, number>>;
}

/** The rates of one service tier; a request over `longContext.aboveInputTokens` input tokens is billed whole at the long-context rates. */
export interface RateCard extends Rates {
  readonly longContext?: Rates & { readonly aboveInputTokens: number };
}

/** The prices in force from `from` (a UTC date, inclusive) until the next period starts. */
export interface PricePeriod {
  /** `YYYY-MM-DD`; absent on the first period, which covers everything before the next one. */
  readonly from?: string;
  readonly standard: RateCard;
  readonly priority?: RateCard;
  readonly flex?: RateCard;
  readonly batch?: RateCard;
}

/** One priced model (or family of ids sharing a price). */
export interface PriceEntry {
  readonly id: string;
  /** Other ids with exactly this price (dated snapshots, Azure spellings). */
  readonly aliases?: readonly string[];
  /** Anchored prefixes declared by the source (e.g. `ft:gpt-4o-2024-`). */
  readonly prefixes?: readonly string[];
  /** Anchored regular expressions declared by the source (e.g. dated snapshot shapes). */
  readonly patterns?: readonly string[];
  /** Sorted by `from`, oldest first. */
  readonly periods: readonly PricePeriod[];
}

export interface PriceSource {
  readonly name: string;
  readonly url: string;
  readonly license?: string;
  readonly version?: string;
}

/** The generated price table (src/pricing/prices.ts). */
export interface PriceTable {
  /** The date the table's facts were last checked, `YYYY-MM-DD`. */
  readonly asOf: string;
  readonly unit: 'pico-USD per token';
  readonly sources: readonly PriceSource[];
  readonly models: readonly PriceEntry[];
}

/**
 * A price you supply, in USD per million tokens, as OpenAI publishes them. `cachedInput`,
 * `cacheWrite`, `inputAudio` and `outputAudio` default to the `input` / `output` rate where
 * absent (audio: the cost is unknown when audio tokens are reported without an audio rate).
 */
export interface ModelPrice {
  input: number;
  output: number;
  cachedInput?: number;
  cacheWrite?: number;
  inputAudio?: number;
  outputAudio?: number;
}

/**
 * What a `resolver` may answer: a price, the id of a model to price instead (looked up like an
 * alias), `null` for "no cost for this model", or `undefined` to let the other rules decide.
 */
export type PriceResolution = ModelPrice | string | null | undefined;

/** Context given to a `resolver`. */
export interface PriceResolverContext {
  /** The provider the call went to, as `$ai_provider` names it (`openai`, `groq`, `openrouter`, ...). */
  provider?: string;
  /** The model of the request, when it differs from the one being priced. */
  requestModel?: string;
  /** The service tier the call was served on, when known. */
  serviceTier?: string;
}

/** Pricing settings of a tracked client (option `pricing`) or of one `calculateCost()` call. */
export interface PricingOptions {
  /**
   * Prices by model id (compared trimmed and lower-cased), used instead of the table; `null`
   * turns costing off for that model.
   */
  overrides?: Record<string, ModelPrice | null>;
  /** Model ids to price as another model, e.g. an Azure deployment name → `'gpt-4o'`. */
  aliases?: Record<string, string>;
  /** Asked before the aliases and the table (after `overrides`). */
  resolver?: (model: string, context: PriceResolverContext) => PriceResolution;
  /**
   * Overrides and aliases for one provider's models only, by provider id as `$ai_provider` names it
   * (`{ groq: { overrides: { 'openai/gpt-oss-120b': { input: 0.15, output: 0.6 } } } }`): the same
   * name at another provider is not touched. They come before the ones for every provider.
   */
  providers?: Record<string, { overrides?: Record<string, ModelPrice | null>; aliases?: Record<string, string> }>;
}

/** Which rule found the price. */
export type CostMatch =
  | 'exact'
  | 'alias'
  | 'pattern'
  | 'fine_tuned'
  | 'date_fallback'
  | 'override'
  | 'user_alias'
  | 'resolver';

/** The cost of one call, in USD. */
export interface CostResult {
  inputUsd: number;
  outputUsd: number;
  totalUsd: number;
  /** The price used: the table entry's id, or the override's model id. */
  priceId: string;
  /** Whose prices those are: the provider of the table (or of the call, for your own prices). */
  provider: string;
  match: CostMatch;
  /** Built-in tool fees (web and file searches) inside `totalUsd`, when the call made any. */
  toolsUsd?: number;
  /** Usage fields that were negative or not numbers and were counted as 0. */
  invalidUsage?: string[];
}

/** Why a cost is unknown (`$ai_cost_unknown_reason`). */
export type UnknownCostReason =
  | 'no_usage'
  | 'no_model'
  | 'unknown_model'
  | 'disabled'
  | 'unknown_service_tier'
  | 'no_service_tier_price'
  | 'no_long_context_price'
  | 'no_audio_price'
  | 'inconsistent_usage'
  | 'resolver_failed'
  | 'local_host'
  | 'no_provider_prices'
  | 'no_tool_price'
  | 'no_audio_duration'
  | 'no_image_price';

/**
 * What a call used that is billed by a unit other than tokens, as the operation reads it from the
 * request and the result: each is priced only by a model whose card has a rate for that unit.
 */
export interface UnitCounts {
  /** Images made, and the size and quality they were made at (`"1024x1024"`, `"hd"`), when known. */
  readonly images?: { readonly count: number; readonly size: string | undefined; readonly quality: string | undefined };
  /** Seconds of input audio (a transcription's `usage.seconds`, or the verbose response's `duration`). */
  readonly audioSeconds?: number;
  /** Characters of input text (speech). */
  readonly characters?: number;
}

/** The built-in tool calls a call made that are billed per call, beside its tokens. */
export interface ToolCalls {
  readonly webSearch: number;
  readonly fileSearch: number;
  /** Code interpreter containers used (billed per container; counted, not priced yet). */
  readonly codeInterpreter: number;
}

/** Whose prices apply to a call. */
export interface PricingProvider {
  /** The provider the call went to (`$ai_provider`): whose `pricing.providers` entry and resolver context apply. */
  readonly id: string;
  /** The provider whose price table prices the call, when one does. */
  readonly table: string | undefined;
  /** True when that table was chosen because nobody knows the host (assumed to sell OpenAI's models at OpenAI's prices). */
  readonly assumed: boolean;
  /** Why no table applies, when none does: a local host, or a provider the table has no prices for. */
  readonly unpricedBecause?: UnknownCostReason;
}

/** A price found for a call: the periods to choose from, and how it was found. */
export interface ChosenPrice {
  periods: readonly PricePeriod[];
  priceId: string;
  match: CostMatch;
  /** Whose prices: see {@link CostResult.provider}. */
  provider: string;
}

export type PriceChoice = { ok: true; price: ChosenPrice } | { ok: false; reason: UnknownCostReason };
