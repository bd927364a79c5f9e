import type { BudgetBlockReason } from './error.js';

/** What `onBudgetEvent` gets, and what the two events carry. */
export interface BudgetEvent {
  /** `threshold`: a threshold reached; `unknown_cost`: the window's first call of unknown cost; `blocked`: a call stopped. */
  type: 'threshold' | 'unknown_cost' | 'blocked';
  rule: string;
  /** `client`, `distinctId`, `property:<name>` or `group:<type>`. */
  scope: string;
  scopeKey: string;
  /** The scope's spend in this window (reservations of calls in flight included), USD. */
  spendUsd: number;
  limitUsd: number;
  /** The fraction of the limit reached (`threshold` events). */
  threshold?: number;
  action: 'warn' | 'block';
  /** `hour`, `day`, `month` or `<n>s`. */
  window: string;
  windowStart: Date;
  resetsAt: Date;
  /** Calls of unknown cost in this window (not in `spendUsd`). */
  unknownCostCalls: number;
  /** `blocked` events: why. */
  reason?: BudgetBlockReason;
  /** The person of the call that caused the event, when it had one. */
  distinctId?: string;
  /** The model of that call. */
  model?: string;
}
