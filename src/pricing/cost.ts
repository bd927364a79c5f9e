import type { TokenCounts } from '../usage.js';
import type { PricePeriod, RateCard, Rates, ToolCalls, UnitCounts, UnknownCostReason } from './types.js';

/** A service tier we have rates for. */
export type PricedTier = 'standard' | 'priority' | 'flex' | 'batch';

/**
 * The tier a response says it was served on → the rate card to use. `auto` and a missing tier mean
 * the default tier; OpenAI renamed "priority processing" to "Fast mode" (`fast`) and accepts both.
 */
export function pricedTierOf(serviceTier: string | undefined): PricedTier | undefined {
  switch (serviceTier?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'auto':
    case 'default':
    case 'standard':
      return 'standard';
    case 'priority':
    case 'fast':
      return 'priority';
    case 'flex':
      return 'flex';
    case 'batch':
      return 'batch';
    default:
      return undefined; // e.g. 'scale': prepaid units, not a per-token price
  }
}

/** When a period starts, in ms since the epoch. */
function startOf(period: PricePeriod): number {
  return period.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(`${period.from}T00:00:00Z`);
}

/**
 * The period in force at `time` (ms since the epoch): the last one that started on or before it;
 * and the times between which it is (`until`: the next period's start).
 */
export interface PeriodAt {
  period: PricePeriod;
  from: number;
  until: number;
}

export function periodAt(periods: readonly PricePeriod[], time: number): PeriodAt {
  let chosen = 0;
  for (let i = 1; i < periods.length; i++) {
    if (startOf(periods[i]!) <= time) chosen = i;
  }
  const next = periods[chosen + 1];
  return {
    period: periods[chosen]!,
    // The first period also covers times before its start (a call dated before the table begins).
    from: chosen === 0 ? Number.NEGATIVE_INFINITY : startOf(periods[chosen]!),
    until: next === undefined ? Number.POSITIVE_INFINITY : startOf(next),
  };
}

/** Integer cost in pico-USD: plain numbers while they are exact (within 2^53), else BigInt. */
export interface PicoCost {
  input: number | bigint;
  output: number | bigint;
}

export type PicoCostOutcome = { ok: true; cost: PicoCost } | { ok: false; reason: UnknownCostReason };

/**
 * Above this, a product of a token count and a rate, or a sum of a few of them, could pass 2^53 and
 * stop being an exact integer as a double. Below it (every real call: a million tokens at $1,000
 * per million tokens is 10^15 pico-USD) the double arithmetic is exact integer arithmetic, the
 * same as BigInt's, without allocating.
 */
const EXACT_LIMIT = 2 ** 50;

/**
 * Prices token counts with one rate card. OpenAI's totals already contain the cached, cache-write
 * and audio tokens: each is taken out of the total and billed at its own rate (when the card has
 * one), never added on top. Reasoning tokens are part of the output and billed as output.
 */
export function costWithCard(card: RateCard, tokens: TokenCounts): PicoCostOutcome {
  // Long context: above the threshold the whole request, output included, moves to other rates.
  const rates: Rates = card.longContext && tokens.input > card.longContext.aboveInputTokens ? card.longContext : card;

  const cacheRead = tokens.cacheRead ?? 0;
  const cacheWrite = tokens.cacheWrite ?? 0;
  const inputAudio = tokens.inputAudio ?? 0;
  const outputAudio = tokens.outputAudio ?? 0;
  if ((inputAudio > 0 && rates.inputAudio === undefined) || (outputAudio > 0 && rates.outputAudio === undefined)) {
    return { ok: false, reason: 'no_audio_price' };
  }
  // Parts without a rate of their own stay in the text input (a cache write on a model without a
  // cache-write price costs the input rate).
  const cacheReadBilled = rates.cacheRead === undefined ? 0 : cacheRead;
  const cacheWriteBilled = rates.cacheWrite === undefined ? 0 : cacheWrite;
  const inputAudioBilled = rates.inputAudio === undefined ? 0 : inputAudio;
  const inputImageBilled = rates.inputImage === undefined ? 0 : (tokens.inputImage ?? 0);
  const outputImageBilled = rates.outputImage === undefined ? 0 : (tokens.outputImage ?? 0);
  const inputText = tokens.input - cacheReadBilled - cacheWriteBilled - inputAudioBilled - inputImageBilled;
  const outputText = tokens.output - outputAudio - outputImageBilled;
  // Details larger than their total: the usage contradicts itself, so no price can be trusted.
  if (inputText < 0 || outputText < 0) return { ok: false, reason: 'inconsistent_usage' };

  const maxTokens = Math.max(tokens.input, tokens.output);
  const maxRate = Math.max(rates.input, rates.output, rates.cacheRead ?? 0, rates.cacheWrite ?? 0, rates.inputAudio ?? 0, rates.outputAudio ?? 0, rates.inputImage ?? 0, rates.outputImage ?? 0);
  if (maxTokens * maxRate * 5 < EXACT_LIMIT) {
    const input =
      inputText * rates.input +
      cacheReadBilled * (rates.cacheRead ?? 0) +
      cacheWriteBilled * (rates.cacheWrite ?? 0) +
      inputAudioBilled * (rates.inputAudio ?? 0) +
      inputImageBilled * (rates.inputImage ?? 0);
    const output = outputText * rates.output + outputAudio * (rates.outputAudio ?? 0) + outputImageBilled * (rates.outputImage ?? 0);
    return { ok: true, cost: { input, output } };
  }

  const big = (count: number, rate: number | undefined): bigint => (count === 0 || rate === undefined ? 0n : BigInt(count) * BigInt(rate));
  const input =
    big(inputText, rates.input) +
    big(cacheReadBilled, rates.cacheRead) +
    big(cacheWriteBilled, rates.cacheWrite) +
    big(inputAudioBilled, rates.inputAudio) +
    big(inputImageBilled, rates.inputImage);
  const output = big(outputText, rates.output) + big(outputAudio, rates.outputAudio) + big(outputImageBilled, rates.outputImage);
  return { ok: true, cost: { input, output } };
}

/**
 * The fees of the built-in tools a call used, in pico-USD (per call, whatever the tokens), or why
 * they can't be priced: a search without a per-search price in the card makes the cost unknown
 * rather than too low.
 */
export function toolFees(card: RateCard, calls: ToolCalls): { ok: true; pico: number } | { ok: false; reason: UnknownCostReason } {
  if ((calls.webSearch > 0 && card.webSearch === undefined) || (calls.fileSearch > 0 && card.fileSearch === undefined)) {
    return { ok: false, reason: 'no_tool_price' };
  }
  return { ok: true, pico: calls.webSearch * (card.webSearch ?? 0) + calls.fileSearch * (card.fileSearch ?? 0) };
}

/** Whether the card bills tokens at all: a model billed only per image, second or character has token rates of 0. */
export function billsTokens(card: RateCard): boolean {
  return card.input > 0 || card.output > 0;
}

/** Whether the card bills any unit other than tokens. */
export function billsUnits(card: RateCard): boolean {
  return card.images !== undefined || card.audioSecond !== undefined || card.character !== undefined;
}

/** The key of a per-image price: `"<quality> <size>"`, lower-case. */
export function imagePriceKey(quality: string, size: string): string {
  return `${quality.trim().toLowerCase()} ${size.trim().toLowerCase()}`;
}

/**
 * What a call costs in the units other than tokens that its card bills (per image, per second of
 * audio, per character), in pico-USD: images as output, audio and characters as input. A unit the
 * card bills that the call did not report makes the cost unknown rather than too low; a unit the
 * card does not bill (a `gpt-image-*` model's images, billed by their tokens) costs nothing here.
 * Seconds may be fractional (a verbose transcription's `duration`): their product is rounded to
 * the pico-USD, the only rounding in the table.
 */
export function unitCost(card: RateCard, units: UnitCounts | undefined): PicoCostOutcome {
  let input: number | bigint = 0;
  let output: number | bigint = 0;
  if (card.images !== undefined) {
    const images = units?.images;
    if (images === undefined) return { ok: false, reason: 'no_usage' };
    if (images.count > 0) {
      // Unsaid, they are the API's defaults for the models priced per image (dall-e-2 and dall-e-3).
      const price = card.images[imagePriceKey(images.quality ?? 'standard', images.size ?? '1024x1024')];
      if (price === undefined) return { ok: false, reason: 'no_image_price' };
      output = exactProduct(images.count, price);
    }
  }
  if (card.audioSecond !== undefined) {
    const seconds = units?.audioSeconds;
    if (seconds === undefined) return { ok: false, reason: 'no_audio_duration' };
    const pico = Math.round(seconds * card.audioSecond);
    if (!Number.isSafeInteger(pico)) return { ok: false, reason: 'inconsistent_usage' };
    input = pico;
  }
  if (card.character !== undefined) {
    const characters = units?.characters;
    if (characters === undefined) return { ok: false, reason: 'no_usage' };
    input = addPico(input, exactProduct(characters, card.character));
  }
  return { ok: true, cost: { input, output } };
}

/** `count × rate` in pico-USD: a number while exact, else BigInt. */
function exactProduct(count: number, rate: number): number | bigint {
  const product = count * rate;
  return Number.isSafeInteger(product) ? product : BigInt(count) * BigInt(rate);
}

/** Whether a long request in this card has long-context rates it needs but lacks. */
export function lacksLongContext(standard: RateCard, card: RateCard, tokens: TokenCounts): boolean {
  return (
    standard.longContext !== undefined &&
    card.longContext === undefined &&
    tokens.input > standard.longContext.aboveInputTokens
  );
}

const PICO_PER_USD_DIGITS = 12;
const MAX_SAFE_PICO = BigInt(Number.MAX_SAFE_INTEGER);
const PICO_PER_USD = 1e12;

/**
 * Pico-USD → USD, converted once. Within 2^53 both integers are exact doubles and IEEE division
 * rounds correctly, so the result is the double closest to the exact amount (0.0065, not
 * 0.006500000000000001); beyond, the exact decimal string is parsed, which rounds the same way.
 */
export function picoToUsd(pico: number | bigint): number {
  if (typeof pico === 'number') {
    if (Number.isSafeInteger(pico)) return pico / PICO_PER_USD;
    pico = BigInt(pico);
  }
  if (pico <= MAX_SAFE_PICO && pico >= -MAX_SAFE_PICO) return Number(pico) / PICO_PER_USD;
  const negative = pico < 0n;
  const digits = (negative ? -pico : pico).toString().padStart(PICO_PER_USD_DIGITS + 1, '0');
  const text = `${digits.slice(0, -PICO_PER_USD_DIGITS)}.${digits.slice(-PICO_PER_USD_DIGITS)}`;
  return Number(negative ? `-${text}` : text);
}

/** The exact sum of two pico-USD amounts, in the same representation rules as {@link costWithCard}. */
export function addPico(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return BigInt(a) + BigInt(b);
}
