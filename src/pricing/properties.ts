import type { DebugLogger } from '../options.js';
import type { TokenCounts } from '../usage.js';
import { priceUsage } from './calculate.js';
import { normalizeModelId } from './match.js';
import { reportedCostOf } from './reported.js';
import type { PricingState } from './state.js';
import type { PricingProvider, ToolCalls, UnitCounts } from './types.js';
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
 * A cost the provider reports in the usage (OpenRouter's `usage.cost`) is the cost, with
 * `$ai_cost_reported: true` and the table's price beside it (`$ai_cost_estimate_usd`); one that
 * can't be a cost is ignored, and `$ai_cost_reported_ignored` says why.
 *
 * The price is the one of the model and tier the response says served the call, at the time the
 * call ended, from the prices of the provider that served it (`$ai_cost_provider`); a host nobody
 * knows is priced as OpenAI, and `$ai_cost_provider_assumed` says so.
 */
export function addCostProperties(
  into: Record<string, unknown>,
  result: Record<string, unknown>,
  requestModel: unknown,
  options: { readonly pricing: ResolvedPricing; readonly log: DebugLogger | undefined },
  state: PricingState,
  provider: PricingProvider,
  tokens?: TokenCounts,
  toolCalls?: ToolCalls,
  units?: UnitCounts,
): void {
  const responseModel = nonEmptyString(result.model);
  const requested = nonEmptyString(requestModel);
  const model = responseModel ?? requested;
  const outcome = priceUsage({
    models: [responseModel, requested],
    usage: result.usage,
    tokens,
    serviceTier: nonEmptyString(result.service_tier),
    provider,
    toolCalls,
    units,
    time: Date.now(),
    pricing: options.pricing,
    state,
  });

  // What the provider billed, when it says: that is the cost; the table's price, if any, stays beside it.
  const reported = reportedCostOf(result.usage);
  if (reported?.ok) {
    into.$ai_total_cost_usd = reported.usd;
    into.$ai_cost_passthrough = true;
    into.$ai_cost_reported = true;
    into.$ai_cost_provider = provider.id;
    if (reported.upstreamUsd !== undefined) into.$ai_cost_upstream_usd = reported.upstreamUsd;
    if (outcome.ok) into.$ai_cost_estimate_usd = outcome.cost.totalUsd;
    return;
  }
  if (reported && options.log && state.firstWarning(`reported:${provider.id}`)) {
    options.log(`${provider.id} reported a cost that can't be one (${reported.ignored}); priced from the table instead`);
  }
  if (reported) into.$ai_cost_reported_ignored = reported.ignored;

  if (outcome.ok) {
    const { cost } = outcome;
    if (cost.invalidUsage) options.log?.(`usage of model "${model}" has invalid counts (${cost.invalidUsage.join(', ')}), counted as 0`);
    into.$ai_input_cost_usd = cost.inputUsd;
    into.$ai_output_cost_usd = cost.outputUsd;
    into.$ai_total_cost_usd = cost.totalUsd;
    into.$ai_cost_passthrough = true;
    into.$ai_cost_price_id = cost.priceId;
    into.$ai_cost_match = cost.match;
    into.$ai_cost_provider = cost.provider;
    if (cost.toolsUsd !== undefined) into.$ai_tools_cost_usd = cost.toolsUsd;
    if (provider.assumed && cost.provider === provider.table) into.$ai_cost_provider_assumed = true;
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
