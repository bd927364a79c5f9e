/**
 * calculateCost() against worked cases: the shared design examples (test/pricing-examples.json, a
 * copy of ../shared/design/pricing-examples.json) and our own cases (test/pricing-cases.json). Each
 * case carries the rates a second source publishes (langfuse, litellm, OpenAI, ...; named per case):
 * the expected USD values are first re-derived from those rates, then compared with what the library
 * computes from its own table, with exact equality.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calculateCost, type CostMatch } from '../src/index.js';
import { priceUsage } from '../src/pricing/calculate.js';
import { resolvePricing } from '../src/pricing/validate.js';

interface Rates {
  input: number;
  cachedInput?: number;
  cacheWrite?: number;
  output?: number;
  inputAudio?: number;
  outputAudio?: number;
}
interface Amounts {
  inputUsd: number;
  outputUsd: number;
  totalUsd: number;
}
interface OwnCase {
  id: string;
  model: string;
  usage: Record<string, any>;
  serviceTier?: string;
  date: string;
  priceId?: string;
  match?: CostMatch;
  reason?: string;
  expected: Amounts | null;
  secondSource: { source: string; ratesPerMillion: Rates | null };
}
interface DesignExample {
  id: string;
  model: string;
  usage: Record<string, any>;
  service_tier?: string;
  request_date?: string;
  expected_match: string | null;
  prices_per_million: { input: number; cached_input?: number; cache_write?: number; output?: number } | null;
  expected: { input_usd: number | null; output_usd: number | null; total_usd: number | null };
  sources: string[];
}

const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as T;
const OWN_CASES = read<OwnCase[]>('./pricing-cases.json');
const DESIGN_EXAMPLES = read<DesignExample[]>('./pricing-examples.json');

/**
 * The test's own arithmetic, independent of src/pricing: every total from the API already holds
 * its cached, cache-write and audio tokens, so each part is taken out once and billed at its rate.
 */
function costFromRates(usage: Record<string, any>, rates: Rates): Amounts {
  const responses = usage.input_tokens !== undefined;
  const input = responses ? usage.input_tokens : usage.prompt_tokens;
  const output = (responses ? usage.output_tokens : usage.completion_tokens) ?? 0;
  const inDetails = (responses ? usage.input_tokens_details : usage.prompt_tokens_details) ?? {};
  const outDetails = (responses ? usage.output_tokens_details : usage.completion_tokens_details) ?? {};
  const cached = inDetails.cached_tokens ?? 0;
  const cacheWrite = inDetails.cache_write_tokens ?? 0;
  const audioIn = inDetails.audio_tokens ?? 0;
  const audioOut = outDetails.audio_tokens ?? 0;
  const micro = (usdPerMillion: number | undefined): bigint => BigInt(Math.round((usdPerMillion ?? 0) * 1e6));
  const inputPico =
    BigInt(input - cached - cacheWrite - audioIn) * micro(rates.input) +
    BigInt(cached) * micro(rates.cachedInput ?? rates.input) +
    BigInt(cacheWrite) * micro(rates.cacheWrite ?? rates.input) +
    BigInt(audioIn) * micro(rates.inputAudio);
  const outputPico = BigInt(output - audioOut) * micro(rates.output) + BigInt(audioOut) * micro(rates.outputAudio);
  // Exact integers below 2^53 divided once: the double nearest the exact decimal amount.
  const usd = (pico: bigint) => Number(pico) / 1e12;
  return { inputUsd: usd(inputPico), outputUsd: usd(outputPico), totalUsd: usd(inputPico + outputPico) };
}

function reasonFor(c: { model: string; usage: unknown; serviceTier?: string; date: string }): string | undefined {
  const outcome = priceUsage({
    models: [c.model],
    usage: c.usage,
    serviceTier: c.serviceTier,
    time: Date.parse(c.date),
    pricing: resolvePricing(undefined, 'test'),
  });
  return outcome.ok ? undefined : outcome.reason;
}

describe('the shared design examples (pricing-examples.json)', () => {
  it('has the examples', () => {
    expect(DESIGN_EXAMPLES.length).toBeGreaterThanOrEqual(12);
  });

  for (const example of DESIGN_EXAMPLES) {
    it(`${example.id}: ${example.expected.total_usd ?? 'unknown'} USD`, () => {
      const cost = calculateCost({
        model: example.model,
        usage: example.usage,
        serviceTier: example.service_tier,
        date: example.request_date ?? '2026-11-01',
      });
      if (example.expected.total_usd === null) {
        expect(cost).toBeNull();
        return;
      }
      const expected = {
        inputUsd: example.expected.input_usd,
        outputUsd: example.expected.output_usd,
        totalUsd: example.expected.total_usd,
      };
      // The example is consistent with the prices it quotes...
      const p = example.prices_per_million!;
      expect(
        costFromRates(example.usage, { input: p.input, cachedInput: p.cached_input, cacheWrite: p.cache_write, output: p.output }),
      ).toEqual(expected);
      // ...and the library gets exactly the same numbers from its own table.
      expect(cost).not.toBeNull();
      expect({ inputUsd: cost!.inputUsd, outputUsd: cost!.outputUsd, totalUsd: cost!.totalUsd }).toEqual(expected);
      // expected_match names the table entry, or for a fine-tuned id the `ft:<base>` key it priced.
      if (example.expected_match!.startsWith('ft:')) {
        expect(cost!.match).toBe('fine_tuned');
        expect(example.expected_match!.startsWith(cost!.priceId)).toBe(true);
      } else {
        expect(cost!.priceId).toBe(example.expected_match);
      }
    });
  }

  it('marks the date-suffix fallback and the gateway prefix as such', () => {
    const byId = new Map(DESIGN_EXAMPLES.map((e) => [e.id, e]));
    const synthetic = byId.get('chat-date-stripped-fallback-SYNTHETIC')!;
    expect(calculateCost({ model: synthetic.model, usage: synthetic.usage })?.match).toBe('date_fallback');
    const prefixed = byId.get('chat-provider-prefixed-gpt-4o-mini')!;
    expect(calculateCost({ model: prefixed.model, usage: prefixed.usage })?.match).toBe('exact');
  });
});

describe('own cases, each checked against a second source (pricing-cases.json)', () => {
  it('has at least 40 cases, each naming its second source', () => {
    expect(OWN_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(OWN_CASES.map((c) => c.id)).size).toBe(OWN_CASES.length);
    for (const c of OWN_CASES) expect(c.secondSource.source.length, c.id).toBeGreaterThan(10);
  });

  for (const c of OWN_CASES) {
    it(`${c.id}: ${c.expected ? `${c.expected.totalUsd} USD (${c.match})` : `unknown (${c.reason})`}`, () => {
      const cost = calculateCost({ model: c.model, usage: c.usage, serviceTier: c.serviceTier, date: c.date });
      if (c.expected === null) {
        expect(cost).toBeNull();
        expect(reasonFor(c)).toBe(c.reason);
        return;
      }
      expect(costFromRates(c.usage, c.secondSource.ratesPerMillion!)).toEqual(c.expected);
      expect(cost).toEqual({ ...c.expected, priceId: c.priceId, match: c.match, provider: 'openai' });
    });
  }
});
