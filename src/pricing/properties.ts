import type { DebugLogger } from '../options.js';
import type { TokenCounts } from '../usage.js';
import { priceUsage } from './calculate.js';
import { normalizeModelId } from './match.js';
import type { PricingState } from './state.js';
import type { ResolvedPricing } from './validate.js';

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}

/**
 * Adds the cost properties of a successful call's event to `into`. Known cost: the three `$ai_*_cost_usd` numbers
 * with `$ai_cost_passthrough: true` (PostHog otherwise replaces a cost when either side is 0, as
 * for every embedding), plus which price was used. Unknown cost: no cost at all, and
 * `$ai_cost_unknown_reason` saying why; the debug log hears about each model id once.
 *
 * The price is the one of the model and tier the response says served the call, at the time the
 * call ended.
 */
export function addCostProperties(
  into: Record<string, unknown>,
  result: Record<string, unknown>,
  requestModel: unknown,
  options: { readonly pricing: ResolvedPricing; readonly log: DebugLogger | undefined },
  state: PricingState,
  tokens?: TokenCounts,
): void {
  const responseModel = nonEmptyString(result.model);
  const requested = nonEmptyString(requestModel);
  const model = responseModel ?? requested;
  const outcome = priceUsage({
    models: [responseModel, requested],
    usage: result.usage,
    tokens,
    serviceTier: nonEmptyString(result.service_tier),
    time: Date.now(),
    pricing: options.pricing,
    state,
  });

  if (outcome.ok) {
    const { cost } = outcome;
    if (cost.invalidUsage) options.log?.(`usage of model "${model}" has invalid counts (${cost.invalidUsage.join(', ')}), counted as 0`);
    into.$ai_input_cost_usd = cost.inputUsd;
    into.$ai_output_cost_usd = cost.outputUsd;
    into.$ai_total_cost_usd = cost.totalUsd;
    into.$ai_cost_passthrough = true;
    into.$ai_cost_price_id = cost.priceId;
    into.$ai_cost_match = cost.match;
    return;
  }

  const warnKey = model === undefined ? '' : normalizeModelId(model);
  if (outcome.reason !== 'disabled' && options.log && state.firstWarning(warnKey)) {
    options.log(
      `no cost for model "${model ?? '(none)'}" (${outcome.reason}); its events carry $ai_cost_unknown_reason instead. ` +
        'Give a price with the `pricing` option if it is missing.',
    );
  }
  into.$ai_cost_unknown_reason = outcome.reason;
}
