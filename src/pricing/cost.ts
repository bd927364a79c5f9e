import type { TokenCounts } from '../usage.js';
import type { PricePeriod, RateCard, Rates, UnknownCostReason } from './types.js';

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

/** The period in force at `time` (ms since the epoch): the last one that started on or before it. */
const periodStarts = new WeakMap<PricePeriod, number>();

/** When a period starts, in ms since the epoch (parsed once per period). */
function startOf(period: PricePeriod): number {
  let start = periodStarts.get(period);
  if (start === undefined) {
    start = period.from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(`${period.from}T00:00:00Z`);
    periodStarts.set(period, start);
  }
  return start;
}

export function periodAt(periods: readonly PricePeriod[], time: number): PricePeriod {
  let chosen = periods[0]!;
  for (const period of periods) {
    if (startOf(period) <= time) chosen = period;
  }
  return chosen;
}

/** Integer cost in pico-USD. */
export interface PicoCost {
  input: bigint;
  output: bigint;
}

export type PicoCostOutcome = { ok: true; cost: PicoCost } | { ok: false; reason: UnknownCostReason };

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
  let inputText = BigInt(tokens.input);
  let input = 0n;
  const part = (count: number, rate: number | undefined): void => {
    if (count === 0 || rate === undefined) return;
    inputText -= BigInt(count);
    input += BigInt(count) * BigInt(rate);
  };
  part(cacheRead, rates.cacheRead);
  part(cacheWrite, rates.cacheWrite);
  part(inputAudio, rates.inputAudio);
  const outputText = BigInt(tokens.output) - BigInt(outputAudio);
  // Details larger than their total: the usage contradicts itself, so no price can be trusted.
  if (inputText < 0n || outputText < 0n) return { ok: false, reason: 'inconsistent_usage' };
  input += inputText * BigInt(rates.input);

  let output = outputText * BigInt(rates.output);
  if (outputAudio > 0) output += BigInt(outputAudio) * BigInt(rates.outputAudio!);
  return { ok: true, cost: { input, output } };
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

/**
 * Pico-USD → USD, converted once, through the exact decimal string, so the number is the double
 * closest to the exact amount (0.0065, not 0.006500000000000001).
 */
const MAX_SAFE_PICO = BigInt(Number.MAX_SAFE_INTEGER);
const PICO_PER_USD = 1e12;

export function picoToUsd(pico: bigint): number {
  // Within 2^53 both integers are exact doubles and IEEE division rounds correctly, so this is the
  // same double as parsing the exact decimal below: the common case, without string building.
  if (pico <= MAX_SAFE_PICO && pico >= -MAX_SAFE_PICO) return Number(pico) / PICO_PER_USD;
  const negative = pico < 0n;
  const digits = (negative ? -pico : pico).toString().padStart(PICO_PER_USD_DIGITS + 1, '0');
  const text = `${digits.slice(0, -PICO_PER_USD_DIGITS)}.${digits.slice(-PICO_PER_USD_DIGITS)}`;
  return Number(negative ? `-${text}` : text);
}
