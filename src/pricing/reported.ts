/**
 * What a provider says it billed for a call, in the call's own usage: OpenRouter (and gateways that
 * copy it, such as Vercel's) put `usage.cost` in USD on every response, and, where another
 * provider served the call, that provider's share in `usage.cost_details.upstream_inference_cost`.
 */
export type ReportedCost =
  | { readonly ok: true; readonly usd: number; readonly upstreamUsd?: number }
  | { readonly ok: false; readonly ignored: string };

/** A USD amount a provider reported, or why it can't be one: it must be a finite number >= 0. */
function amountOf(value: unknown): number | string {
  if (typeof value !== 'number') return `not a number (${typeof value})`;
  if (!Number.isFinite(value)) return 'not finite';
  if (value < 0) return 'negative';
  return value;
}

/**
 * The cost the usage reports, `undefined` when it reports none, or why a reported one was not
 * taken (a string, a negative or infinite number): the table's price is used then.
 */
export function reportedCostOf(usage: unknown): ReportedCost | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const { cost, cost_details: details } = usage as { cost?: unknown; cost_details?: unknown };
  if (cost === undefined || cost === null) return undefined;
  const usd = amountOf(cost);
  if (typeof usd === 'string') return { ok: false, ignored: `usage.cost is ${usd}` };
  const upstream = details !== null && typeof details === 'object' ? (details as { upstream_inference_cost?: unknown }).upstream_inference_cost : undefined;
  const upstreamUsd = upstream === undefined || upstream === null ? undefined : amountOf(upstream);
  return typeof upstreamUsd === 'number' ? { ok: true, usd, upstreamUsd } : { ok: true, usd };
}
