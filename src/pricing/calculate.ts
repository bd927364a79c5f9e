import { readTokenCounts, type TokenCounts } from '../usage.js';
import { addPico, billsTokens, billsUnits, costWithCard, lacksLongContext, periodAt, type PicoCostOutcome, picoToUsd, pricedTierOf, toolFees, unitCost } from './cost.js';
import { matchTable, normalizeModelId } from './match.js';
import type { CostMatch, CostResult, PriceChoice, PricePeriod, PricingOptions, PricingProvider, RateCard, ToolCalls, UnitCounts, UnknownCostReason } from './types.js';
import { pricesOf } from './table.js';
import { type ModelRules, readResolution, resolvePricing, type ResolvedPricing } from './validate.js';
import type { PricingState } from './state.js';

const OPENAI = pricesOf('openai');

/** A user price applies whatever the service tier and the date. */
function userPrice(card: RateCard, priceId: string, match: CostMatch, provider: string): PriceChoice {
  const period: PricePeriod = { standard: card, priority: card, flex: card, batch: card };
  return { ok: true, price: { periods: [period], priceId, match, provider } };
}

/** The user's overrides and aliases that apply at a provider: that provider's own first, then those for every provider. */
function rulesAt(pricing: ResolvedPricing, provider: string): readonly ModelRules[] {
  const own = pricing.providers.get(provider);
  return own ? [own, pricing] : [pricing];
}

function overrideOf(rules: readonly ModelRules[], key: string): RateCard | null | undefined {
  for (const { overrides } of rules) {
    const override = overrides.get(key);
    if (override !== undefined) return override;
  }
  return undefined;
}

/** The price of `model` in the table that applies at `provider` (and its fallbacks), or why there is none. */
function tablePrice(model: string, provider: PricingProvider, match?: CostMatch): PriceChoice {
  if (provider.table === undefined) return { ok: false, reason: provider.unpricedBecause ?? 'no_provider_prices' };
  const hit = matchTable(model, provider.table);
  if (!hit) return { ok: false, reason: 'unknown_model' };
  return { ok: true, price: { periods: hit.entry.periods, priceId: hit.entry.id, match: match ?? hit.match, provider: hit.provider } };
}

/** A model id named by an alias or a resolver: the user's override for it, else the table. */
function priceOfTarget(target: string, rules: readonly ModelRules[], provider: PricingProvider, match: CostMatch): PriceChoice {
  const key = normalizeModelId(target);
  const override = overrideOf(rules, key);
  if (override === null) return { ok: false, reason: 'disabled' };
  if (override !== undefined) return userPrice(override, key, match, provider.id);
  return tablePrice(target, provider, match);
}

/**
 * The price of a call whose model ids are `models` (the response's first, then the request's),
 * served by `provider`: user overrides, then the resolver, then user aliases, then the table of
 * that provider. First hit wins.
 */
function choosePrice(models: string[], pricing: ResolvedPricing, serviceTier: string | undefined, provider: PricingProvider): PriceChoice {
  const rules = rulesAt(pricing, provider.id);
  const keys = models.map(normalizeModelId);
  for (const key of keys) {
    const override = overrideOf(rules, key);
    if (override === null) return { ok: false, reason: 'disabled' };
    if (override !== undefined) return userPrice(override, key, 'override', provider.id);
  }

  if (pricing.resolver) {
    let answer: RateCard | string | null | undefined;
    try {
      const context = models.length > 1 ? { provider: provider.id, requestModel: models[1], serviceTier } : { provider: provider.id, serviceTier };
      answer = readResolution(pricing.resolver(models[0]!, context));
    } catch {
      return { ok: false, reason: 'resolver_failed' };
    }
    if (answer === null) return { ok: false, reason: 'disabled' };
    if (typeof answer === 'string') return priceOfTarget(answer, rules, provider, 'resolver');
    if (answer !== undefined) return userPrice(answer, keys[0]!, 'resolver', provider.id);
  }

  for (const key of keys) {
    for (const { aliases } of rules) {
      const target = aliases.get(key);
      if (target !== undefined) return priceOfTarget(target, rules, provider, 'user_alias');
    }
  }

  let unknown: PriceChoice = { ok: false, reason: 'unknown_model' };
  for (const model of models) {
    const found = tablePrice(model, provider);
    if (found.ok) return found;
    unknown = found;
  }
  return unknown;
}

/** The cost of a call, or why it is unknown. */
export type CostOutcome = { ok: true; cost: CostResult } | { ok: false; reason: UnknownCostReason };

/** What `priceUsage` needs to know about a call. */
export interface PriceRequest {
  /** Model ids, most specific first: the response's `model`, then the request's. Empty ones are skipped. */
  models: readonly [string | undefined, (string | undefined)?];
  /** The `usage` object exactly as the API returned it. */
  usage: unknown;
  /** The tier the call was served on (`response.service_tier`). */
  serviceTier: string | undefined;
  /** Who served the call, and whose prices apply there. Default: OpenAI, with its own prices. */
  provider?: PricingProvider;
  /** The built-in tools the call used that are billed per call (web and file searches). */
  toolCalls?: ToolCalls;
  /** What the call used that is billed by another unit than tokens (images, seconds of audio, characters). */
  units?: UnitCounts;
  /** The usage's token counts when the caller has read them already (`readTokenCounts(usage)`). */
  tokens?: TokenCounts;
  /** When the call happened, in ms since the epoch: selects the price period. */
  time: number;
  pricing: ResolvedPricing;
  /** The client's memory of prices already chosen (none for a one-off `calculateCost()`). */
  state?: PricingState;
}

/** The rate card a call is priced with, and the times between which that choice holds. */
interface CardChoice {
  card: RateCard;
  /** The period's standard card: whether long requests have a price at all. */
  standard: RateCard;
  priceId: string;
  match: CostMatch;
  provider: string;
}

type CardOutcome = { ok: true; choice: CardChoice } | { ok: false; reason: UnknownCostReason };

function chooseCard(request: PriceRequest, models: string[]): CardOutcome {
  const { pricing, state, serviceTier, time, provider = OPENAI } = request;
  const choose = () => choosePrice(models, pricing, serviceTier, provider);
  // With a resolver the choice may depend on the tier: chosen per call.
  const choice = state && !pricing.resolver ? state.choice(provider, models, choose) : choose();
  if (!choice.ok) return choice;
  const tier = pricedTierOf(serviceTier);
  if (tier === undefined) return { ok: false, reason: 'unknown_service_tier' };
  const { period } = periodAt(choice.price.periods, time);
  const card = period[tier];
  if (card === undefined) return { ok: false, reason: 'no_service_tier_price' };
  const { priceId, match } = choice.price;
  return { ok: true, choice: { card, standard: period.standard, priceId, match, provider: choice.price.provider } };
}

/** The card's price for the call's tokens and other units, in pico-USD, or why there is none. */
function costOfUsage(card: RateCard, standard: RateCard, tokens: TokenCounts | undefined, units: UnitCounts | undefined): PicoCostOutcome {
  if (!tokens) {
    // No token counts: known only for a model billed by other units alone (dall-e, whisper, tts-1).
    if (billsTokens(card) || !billsUnits(card)) return { ok: false, reason: 'no_usage' };
    return unitCost(card, units);
  }
  if (lacksLongContext(standard, card, tokens)) return { ok: false, reason: 'no_long_context_price' };
  const priced = costWithCard(card, tokens);
  if (!priced.ok || !billsUnits(card)) return priced;
  const perUnit = unitCost(card, units);
  if (!perUnit.ok) return perUnit;
  return { ok: true, cost: { input: addPico(priced.cost.input, perUnit.cost.input), output: addPico(priced.cost.output, perUnit.cost.output) } };
}

/** Prices one call; never throws for a bad usage, model or resolver (it says why instead). */
export function priceUsage(request: PriceRequest): CostOutcome {
  const tokens = request.tokens ?? readTokenCounts(request.usage);
  const { units } = request;
  if (!tokens && !units) return { ok: false, reason: 'no_usage' };
  const models: string[] = [];
  for (const model of request.models) {
    if (typeof model === 'string' && model.trim() !== '' && !models.includes(model)) models.push(model);
  }
  if (models.length === 0) return { ok: false, reason: 'no_model' };

  const found = chooseCard(request, models);
  if (!found.ok) return found;
  const { card, standard, priceId, match, provider } = found.choice;

  const priced = costOfUsage(card, standard, tokens, units);
  if (!priced.ok) return priced;
  const fees = request.toolCalls ? toolFees(card, request.toolCalls) : undefined;
  if (fees && !fees.ok) return fees;
  const { input, output } = priced.cost;
  const usageTotal = addPico(input, output);
  const cost: CostResult = {
    inputUsd: picoToUsd(input),
    outputUsd: picoToUsd(output),
    totalUsd: picoToUsd(fees && fees.pico > 0 ? addPico(usageTotal, fees.pico) : usageTotal),
    priceId,
    match,
    provider,
  };
  if (fees && fees.pico > 0) cost.toolsUsd = picoToUsd(fees.pico);
  if (tokens && tokens.invalid.length > 0) cost.invalidUsage = tokens.invalid;
  return { ok: true, cost };
}

/** Input of {@link calculateCost}. */
export interface CalculateCostInput {
  /** The model id, preferably the response's `model` (dated, canonical). */
  model: string;
  /** The `usage` object exactly as the API returned it (chat, Responses, embeddings, legacy completions). */
  usage: unknown;
  /** The tier the response was served on (`response.service_tier`): `default`, `flex`, `priority`/`fast`, `batch`. */
  serviceTier?: string | null;
  /** When the call happened (selects the price period). Default: now. */
  date?: Date | string | number;
  /** Your overrides, aliases and resolver, as in the client option `pricing`. */
  pricing?: PricingOptions;
  /**
   * The provider that served the call, as `$ai_provider` names it (`openai`, `groq`, `openrouter`,
   * `gemini`, ...): the call is priced with that provider's prices only. Default `openai`.
   */
  provider?: string;
  /**
   * What the call used that is billed by a unit other than tokens, for the models priced that way:
   * images made (`dall-e-2`, `dall-e-3`: `{ images: { count, size, quality } }`), seconds of audio
   * (`whisper-1`: `{ audioSeconds }`), characters of text (`tts-1`: `{ characters }`).
   */
  units?: UnitCounts;
}

/** A count as given: a finite number >= 0, else left out (as a usage count that is not one). */
function unitCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The caller's units, with only the counts that are counts (whole ones for images and characters). */
function readUnits(units: unknown): UnitCounts | undefined {
  if (units === null || typeof units !== 'object') return undefined;
  const { images, audioSeconds, characters } = units as Record<string, unknown>;
  const read: { -readonly [key in keyof UnitCounts]: UnitCounts[key] } = {};
  if (images !== null && typeof images === 'object') {
    const { count, size, quality } = images as Record<string, unknown>;
    const whole = unitCount(count);
    if (whole !== undefined && Number.isSafeInteger(whole)) {
      read.images = { count: whole, size: typeof size === 'string' ? size : undefined, quality: typeof quality === 'string' ? quality : undefined };
    }
  }
  const seconds = unitCount(audioSeconds);
  if (seconds !== undefined) read.audioSeconds = seconds;
  const chars = unitCount(characters);
  if (chars !== undefined && Number.isSafeInteger(chars)) read.characters = chars;
  return read;
}

/**
 * The cost in USD of one OpenAI call, from the price table that ships with tracked-openai (or your
 * `pricing` overrides): cached, cache-write, reasoning and audio tokens, long-context rates, the
 * service tier and the price in force on `date` are all taken into account. Amounts are computed in
 * integer pico-USD and converted to numbers once, so they are exact to the published rates.
 *
 * @returns `{ inputUsd, outputUsd, totalUsd, priceId, match, provider }`, or `null` when the price or the usage
 *   is unknown (an unknown model, a model you priced as `null`, no usage, a tier without a price).
 * @throws TypeError when `model` is not a string, `date` is not a valid date, or `pricing` is invalid.
 *
 * @example
 * const cost = calculateCost({ model: completion.model, usage: completion.usage, serviceTier: completion.service_tier });
 * // { inputUsd: 0.003, outputUsd: 0.0035, totalUsd: 0.0065, priceId: 'gpt-4o', match: 'alias', provider: 'openai' }
 */
export function calculateCost(input: CalculateCostInput): CostResult | null {
  if (input === null || typeof input !== 'object') throw new TypeError('tracked-openai: calculateCost() needs an object');
  const { model, usage, serviceTier, date, pricing, provider = 'openai' } = input;
  if (typeof model !== 'string') throw new TypeError('tracked-openai: calculateCost() needs `model` as a string');
  if (typeof provider !== 'string' || provider.trim() === '') {
    throw new TypeError('tracked-openai: calculateCost(): `provider` must be a non-empty string (a provider id such as "openai" or "groq")');
  }
  const time = date === undefined ? Date.now() : new Date(date).getTime();
  if (Number.isNaN(time)) throw new TypeError('tracked-openai: calculateCost(): `date` is not a valid date');
  const outcome = priceUsage({
    models: [model],
    usage,
    serviceTier: serviceTier ?? undefined,
    provider: pricesOf(provider.trim().toLowerCase()),
    units: readUnits(input.units),
    time,
    pricing: resolvePricing(pricing, 'calculateCost(): `pricing`'),
  });
  return outcome.ok ? outcome.cost : null;
}
