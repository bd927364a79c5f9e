import type { TrackedEvent } from '../options.js';
import { LIB_NAME, LIB_VERSION } from '../version.js';
import type { BudgetEvent } from './types.js';

/** A threshold reached (once per threshold per window), or the first unknown-cost call of a window. */
export const BUDGET_ALERT_EVENT = '$ai_budget_alert';
/** A call a `block` rule stopped before it was sent (one per blocked call). */
export const BUDGET_BLOCKED_EVENT = '$ai_budget_blocked';

/** The PostHog event for a budget event: for the person of the call when known, else for the rule's scope without a person profile. */
export function budgetEventMessage(event: BudgetEvent, groups: Record<string, string | number> | undefined): TrackedEvent {
  const properties: Record<string, unknown> = {
    $ai_lib: LIB_NAME,
    $ai_lib_version: LIB_VERSION,
    $ai_budget_event: event.type,
    $ai_budget_rule: event.rule,
    $ai_budget_scope: event.scope,
    $ai_budget_scope_key: event.scopeKey,
    $ai_budget_spend_usd: event.spendUsd,
    $ai_budget_limit_usd: event.limitUsd,
    $ai_budget_action: event.action,
    $ai_budget_window: event.window,
    $ai_budget_window_start: event.windowStart.toISOString(),
    $ai_budget_resets_at: event.resetsAt.toISOString(),
    $ai_budget_unknown_cost_calls: event.unknownCostCalls,
  };
  if (event.threshold !== undefined) properties.$ai_budget_threshold = event.threshold;
  if (event.reason !== undefined) properties.$ai_budget_block_reason = event.reason;
  if (event.model !== undefined) properties.$ai_model = event.model;
  const distinctId = event.distinctId ?? `budget:${event.rule}:${event.scopeKey}`;
  if (event.distinctId === undefined) properties.$process_person_profile = false;
  const message: TrackedEvent = { distinctId, event: event.type === 'blocked' ? BUDGET_BLOCKED_EVENT : BUDGET_ALERT_EVENT, properties };
  if (groups) message.groups = groups;
  return message;
}
