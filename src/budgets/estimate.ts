import { priceUsage } from '../pricing/calculate.js';
import type { PricingState } from '../pricing/state.js';
import type { PricingProvider } from '../pricing/types.js';
import type { ResolvedPricing } from '../pricing/validate.js';

/** The request's fields that hold what the model reads, by API. */
const INPUT_FIELDS = ['messages', 'input', 'prompt', 'instructions'] as const;
/** Characters per token assumed for the input: fewer than English's usual four, to err on the high side. */
const CHARS_PER_TOKEN = 3;
/** Tokens the API adds around each message, and to prime the reply (OpenAI's own counting guide). */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_REQUEST = 3;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The most output tokens the request allows (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, times `n`), or undefined. */
function maxOutputTokens(body: Record<string, unknown>): number | undefined {
  const max = positiveInteger(body.max_output_tokens) ?? positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens);
  return max === undefined ? undefined : max * (positiveInteger(body.n) ?? 1);
}

/** Input tokens guessed from the length of the input's JSON (no tokenizer is shipped). */
function inputTokens(body: Record<string, unknown>): number {
  let chars = 0;
  let framing = TOKENS_PER_REQUEST;
  for (const field of INPUT_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    framing += Array.isArray(value) ? value.length * TOKENS_PER_MESSAGE : TOKENS_PER_MESSAGE;
    try {
      chars += typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
    } catch {
      // An input that can't be serialized: the SDK will fail on it too; nothing to reserve for it.
    }
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + framing;
}

/**
 * What a call may cost at most, as far as the request says, in micro-USD: its input guessed from
 * its length, and its output at the request's maximum. 0 when the model has no price. Without a
 * maximum output the reservation holds the input only.
 */
export function estimateMicros(
  body: Record<string, unknown>,
  provider: PricingProvider,
  pricing: ResolvedPricing,
  state: PricingState,
): number {
  const output = maxOutputTokens(body) ?? 0;
  const usage = { prompt_tokens: inputTokens(body), completion_tokens: output };
  const model = typeof body.model === 'string' ? body.model : undefined;
  try {
    const priced = priceUsage({ models: [model], usage, serviceTier: typeof body.service_tier === 'string' ? body.service_tier : undefined, provider, time: Date.now(), pricing, state });
    return priced.ok ? Math.ceil(priced.cost.totalUsd * 1e6) : 0;
  } catch {
    return 0;
  }
}
