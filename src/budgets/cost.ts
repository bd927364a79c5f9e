import type { SpentCost } from './budgets.js';

/**
 * What a call's event says it cost, for its budgets: the event's `$ai_total_cost_usd` (the price
 * table's, the provider's reported cost, or the caller's override); nothing for a call that failed
 * before any answer (not billed); unknown otherwise (a model without a price, a stream stopped
 * before its usage came), which budgets count as such rather than as $0.
 */
export function spentCostOf(properties: Record<string, unknown>, failed: boolean, streamed: boolean): SpentCost {
  const total = properties.$ai_total_cost_usd;
  if (typeof total === 'number' && Number.isFinite(total) && total >= 0) return { kind: 'known', usd: total };
  if (failed && !streamed) return { kind: 'none' };
  return { kind: 'unknown' };
}
