/**
 * Rates in pico-USD per token (= USD per million tokens × 10^6), always integers, so that
 * `tokens × rate` is exact. A missing cache rate means those tokens cost the input rate; a missing
 * audio rate means audio tokens can't be priced.
 */
export interface Rates {
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
  readonly inputAudio?: number;
  readonly outputAudio?: number;
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
  match: CostMatch;
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
  | 'resolver_failed';

/** A price found for a call: the periods to choose from, and how it was found. */
export interface ChosenPrice {
  periods: readonly PricePeriod[];
  priceId: string;
  match: CostMatch;
}

export type PriceChoice = { ok: true; price: ChosenPrice } | { ok: false; reason: UnknownCostReason };
