import { describe, expect, it } from 'vitest';
import { calculateCost, priceUsage } from '../src/pricing/calculate.js';
import { unitCost } from '../src/pricing/cost.js';
import type { UnitCounts } from '../src/pricing/types.js';
import { resolvePricing } from '../src/pricing/validate.js';

// The price kinds of images and audio: per image by quality and size (dall-e), per second of audio
// (whisper-1, gpt-transcribe), per character (tts-1, tts-1-hd), and image tokens at their own
// rates (gpt-image-*). Exact to the published prices, in integer pico-USD.

const DATE = '2026-12-01';

/** How the table prices `model` with these units and no token usage, or why it can't. */
function outcomeOf(model: string, units: UnitCounts) {
  return priceUsage({ models: [model], usage: undefined, units, serviceTier: undefined, time: Date.parse(DATE), pricing: resolvePricing(undefined, 'test') });
}

describe('per image (dall-e-2, dall-e-3)', () => {
  it('prices each size and quality OpenAI publishes, n images at n times the price', () => {
    const cases: [string, string | undefined, string | undefined, number, number][] = [
      ['dall-e-2', '256x256', undefined, 1, 0.016],
      ['dall-e-2', '512x512', 'standard', 3, 0.054],
      ['dall-e-2', '1024x1024', undefined, 10, 0.2],
      ['dall-e-3', '1024x1024', 'standard', 1, 0.04],
      ['dall-e-3', '1024x1792', 'standard', 1, 0.08],
      ['dall-e-3', '1792x1024', 'hd', 1, 0.12],
      ['dall-e-3', '1024x1024', 'hd', 7, 0.56],
      ['dall-e-3', undefined, undefined, 1, 0.04],
    ];
    for (const [model, size, quality, count, usd] of cases) {
      const cost = calculateCost({ model, usage: undefined, units: { images: { count, size, quality } }, date: DATE });
      expect(cost, `${model} ${quality} ${size} ×${count}`).toMatchObject({ inputUsd: 0, outputUsd: usd, totalUsd: usd, priceId: model });
    }
  });

  it('a size or quality without a price is unknown, not $0 or another size', () => {
    const outcome = outcomeOf('dall-e-3', { images: { count: 1, size: '256x256', quality: 'standard' } });
    expect(outcome).toEqual({ ok: false, reason: 'no_image_price' });
  });

  it('no image count at all: no usage', () => {
    expect(calculateCost({ model: 'dall-e-2', usage: undefined, units: {}, date: DATE })).toBeNull();
  });
});

describe('per second of audio (whisper-1, gpt-transcribe)', () => {
  it('whisper-1 at $0.006 a minute, gpt-transcribe at $0.27 an hour, fractional seconds to the pico-USD', () => {
    expect(calculateCost({ model: 'whisper-1', usage: undefined, units: { audioSeconds: 60 }, date: DATE })).toMatchObject({ inputUsd: 0.006, outputUsd: 0, totalUsd: 0.006 });
    expect(calculateCost({ model: 'whisper-1', usage: undefined, units: { audioSeconds: 8.470000267028809 }, date: DATE })!.totalUsd).toBe(0.000847000027);
    expect(calculateCost({ model: 'gpt-transcribe', usage: undefined, units: { audioSeconds: 3600 }, date: DATE })!.totalUsd).toBe(0.27);
  });

  it('without the seconds, unknown and why', () => {
    const outcome = outcomeOf('whisper-1', {});
    expect(outcome).toEqual({ ok: false, reason: 'no_audio_duration' });
  });

  it('at another provider that bills by the hour (Groq), its own price', () => {
    expect(calculateCost({ model: 'whisper-large-v3', provider: 'groq', usage: undefined, units: { audioSeconds: 3600 }, date: DATE })!.totalUsd).toBeCloseTo(0.111, 8);
  });
});

describe('per character (tts-1, tts-1-hd)', () => {
  it('$15 and $30 per million characters', () => {
    expect(calculateCost({ model: 'tts-1', usage: undefined, units: { characters: 1_000_000 }, date: DATE })).toMatchObject({ inputUsd: 15, totalUsd: 15 });
    expect(calculateCost({ model: 'tts-1-hd', usage: undefined, units: { characters: 1 }, date: DATE })!.totalUsd).toBe(0.00003);
  });

  it('counts that are not counts are left out', () => {
    expect(calculateCost({ model: 'tts-1', usage: undefined, units: { characters: -3 }, date: DATE })).toBeNull();
    expect(calculateCost({ model: 'tts-1', usage: undefined, units: { characters: Number.NaN }, date: DATE })).toBeNull();
  });
});

describe('image tokens (gpt-image-*)', () => {
  it('gpt-image-1: text and image input at their rates, image output at the output rate; the image count does not add to it', () => {
    const usage = { input_tokens: 1000, input_tokens_details: { text_tokens: 200, image_tokens: 800 }, output_tokens: 4160, total_tokens: 5160 };
    const cost = calculateCost({ model: 'gpt-image-1', usage, units: { images: { count: 1, size: '1024x1024', quality: 'high' } }, date: DATE });
    // 200 × $5 + 800 × $10 per million; 4,160 × $40 per million.
    expect(cost).toMatchObject({ inputUsd: 0.009, outputUsd: 0.1664, totalUsd: 0.1754 });
  });

  it('gpt-image-1.5: image output tokens at their own rate, text output tokens at the output rate', () => {
    const usage = { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 1100, output_tokens_details: { image_tokens: 1000, text_tokens: 100 }, total_tokens: 1110 };
    // 100 × $10 + 1,000 × $32 per million.
    expect(calculateCost({ model: 'gpt-image-1.5', usage, date: DATE })).toMatchObject({ inputUsd: 0.00005, outputUsd: 0.033, totalUsd: 0.03305 });
  });

  it('a gpt-image-* call without usage (a stream cut short) is unknown, not $0', () => {
    const outcome = outcomeOf('gpt-image-1', { images: { count: 1, size: '1024x1024', quality: 'low' } });
    expect(outcome).toEqual({ ok: false, reason: 'no_usage' });
  });
});

describe('unitCost', () => {
  it('stays exact past 2^53 pico-USD (BigInt): a million images at $0.12', () => {
    const card = { input: 0, output: 0, images: { 'hd 1792x1024': 120_000_000_000 } };
    expect(unitCost(card, { images: { count: 1_000_000, size: '1792x1024', quality: 'HD' } })).toEqual({ ok: true, cost: { input: 0, output: 120_000_000_000_000_000n } });
  });
});
