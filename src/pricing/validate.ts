import { normalizeModelId } from './match.js';
import type { ModelPrice, PriceResolution, PricingOptions, RateCard } from './types.js';
import { describeValue, isPlainRecord } from '../validation.js';

/** Pricing options checked and normalized: model ids as `normalizeModelId` gives them, prices as integer rates. */
export interface ResolvedPricing extends ModelRules {
  readonly resolver: PricingOptions['resolver'] | undefined;
  /** Provider id → the overrides and aliases for that provider's models only. */
  readonly providers: ReadonlyMap<string, ModelRules>;
}

/** Overrides and aliases, by model id as `normalizeModelId` gives it. */
export interface ModelRules {
  /** Model id → rates, or `null` for "no cost for this model". */
  readonly overrides: ReadonlyMap<string, RateCard | null>;
  readonly aliases: ReadonlyMap<string, string>;
}

const PRICE_FIELDS: Record<keyof ModelPrice, keyof RateCard> = {
  input: 'input',
  output: 'output',
  cachedInput: 'cacheRead',
  cacheWrite: 'cacheWrite',
  inputAudio: 'inputAudio',
  outputAudio: 'outputAudio',
};

/** A `TypeError` about a price or a pricing option. */
export class PriceError extends TypeError {
  constructor(message: string) {
    super(`tracked-openai: ${message}`);
  }
}

/**
 * A user price (USD per million tokens) → integer rates (pico-USD per token).
 * @throws PriceError naming the field when the price is not usable.
 */
export function ratesFromModelPrice(price: unknown, where: string): RateCard {
  if (!isPlainRecord(price)) {
    throw new PriceError(`${where} must be an object like { input, output } (USD per million tokens), got ${describeValue(price)}`);
  }
  const rates: Record<string, number> = {};
  for (const [field, value] of Object.entries(price)) {
    const name = PRICE_FIELDS[field as keyof ModelPrice];
    if (name === undefined) {
      throw new PriceError(`${where} has an unknown field \`${field}\` (known: ${Object.keys(PRICE_FIELDS).join(', ')})`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new PriceError(`${where}.${field} must be a finite number >= 0 (USD per million tokens), got ${describeValue(value)}`);
    }
    const scaled = value * 1e6;
    const pico = Math.round(scaled);
    if (Math.abs(scaled - pico) > 1e-6 * Math.max(1, scaled) || !Number.isSafeInteger(pico)) {
      throw new PriceError(`${where}.${field} must have at most 6 decimals (USD per million tokens), got ${value}`);
    }
    rates[name] = pico;
  }
  for (const required of ['input', 'output'] as const) {
    if (rates[required] === undefined) throw new PriceError(`${where}.${required} is required (USD per million tokens)`);
  }
  return rates as unknown as RateCard;
}

/**
 * Checks the `pricing` option (or `calculateCost`'s `pricing`) once, so that a wrong price is a
 * `TypeError` when the client is created rather than a wrong cost later.
 * @param name how to name the option in messages, e.g. "option `pricing`".
 */
export function resolvePricing(input: unknown, name: string): ResolvedPricing {
  if (input === undefined) return { overrides: new Map(), aliases: new Map(), resolver: undefined, providers: new Map() };
  if (!isPlainRecord(input)) throw new PriceError(`${name} must be an object, got ${describeValue(input)}`);
  checkFields(input, name, ['overrides', 'aliases', 'resolver', 'providers']);

  const resolver = input.resolver;
  if (resolver !== undefined && typeof resolver !== 'function') {
    throw new PriceError(`${name}.resolver must be a function, got ${describeValue(resolver)}`);
  }

  const providers = new Map<string, ModelRules>();
  if (input.providers !== undefined) {
    if (!isPlainRecord(input.providers)) throw new PriceError(`${name}.providers must be an object, got ${describeValue(input.providers)}`);
    for (const [provider, rules] of Object.entries(input.providers)) {
      const where = `${name}.providers[${JSON.stringify(provider)}]`;
      const id = provider.trim().toLowerCase();
      if (id === '') throw new PriceError(`${where}: the provider id is empty`);
      if (!isPlainRecord(rules)) throw new PriceError(`${where} must be an object like { overrides, aliases }, got ${describeValue(rules)}`);
      checkFields(rules, where, ['overrides', 'aliases']);
      providers.set(id, modelRules(rules, where));
    }
  }
  return { ...modelRules(input, name), resolver: resolver as PricingOptions['resolver'], providers };
}

function checkFields(input: Record<string, unknown>, name: string, known: readonly string[]): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new PriceError(`${name} has an unknown field \`${key}\` (known: ${known.join(', ')})`);
  }
}

/** `overrides` and `aliases` of `input`, checked and keyed by normalized model id. */
function modelRules(input: Record<string, unknown>, name: string): ModelRules {
  const overrides = new Map<string, RateCard | null>();
  if (input.overrides !== undefined) {
    if (!isPlainRecord(input.overrides)) throw new PriceError(`${name}.overrides must be an object, got ${describeValue(input.overrides)}`);
    for (const [model, price] of Object.entries(input.overrides)) {
      const where = `${name}.overrides[${JSON.stringify(model)}]`;
      if (normalizeModelId(model) === '') throw new PriceError(`${where}: the model id is empty`);
      overrides.set(normalizeModelId(model), price === null ? null : ratesFromModelPrice(price, where));
    }
  }

  const aliases = new Map<string, string>();
  if (input.aliases !== undefined) {
    if (!isPlainRecord(input.aliases)) throw new PriceError(`${name}.aliases must be an object, got ${describeValue(input.aliases)}`);
    for (const [model, target] of Object.entries(input.aliases)) {
      const where = `${name}.aliases[${JSON.stringify(model)}]`;
      if (normalizeModelId(model) === '') throw new PriceError(`${where}: the model id is empty`);
      if (typeof target !== 'string' || normalizeModelId(target) === '') {
        throw new PriceError(`${where} must be a model id (a non-empty string), got ${describeValue(target)}`);
      }
      aliases.set(normalizeModelId(model), target);
    }
  }
  return { overrides, aliases };
}

/** A resolver's answer, checked: rates, a model id, `null` (no cost) or `undefined` (no opinion). */
export function readResolution(value: PriceResolution | unknown): RateCard | string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value === 'string') return value;
  return ratesFromModelPrice(value, 'the answer of `pricing.resolver`');
}
