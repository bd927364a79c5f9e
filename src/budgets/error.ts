/** Why a call was blocked: its scope's spend reached the limit, its reservation would pass it, or the store did not answer (`failClosed`). */
export type BudgetBlockReason = 'limit' | 'reservation' | 'store_unavailable';

/**
 * The error a call rejects with when a `block` rule stops it, before any request is sent. Not an
 * SDK error: the SDK does not retry it, and `instanceof OpenAI.APIError` is false.
 */
export class BudgetExceededError extends Error {
  /** The rule that blocked the call. */
  readonly rule: string;
  /** Whose spend: `client`, `distinctId`, `property:<name>` or `group:<type>`. */
  readonly scope: string;
  /** The scope's key: the distinct id, the property's value, the group key, or `all` for the client. */
  readonly scopeKey: string;
  /** The scope's spend in this window when the call was checked, in USD. */
  readonly spendUsd: number;
  readonly limitUsd: number;
  /** When the window ends, and calls may go again. */
  readonly resetsAt: Date;
  readonly reason: BudgetBlockReason;

  constructor(details: { rule: string; scope: string; scopeKey: string; spendUsd: number; limitUsd: number; resetsAt: Date; reason: BudgetBlockReason }) {
    const why =
      details.reason === 'store_unavailable'
        ? 'the budget store did not answer in time (failClosed)'
        : details.reason === 'reservation'
          ? `this call's estimated cost would pass the limit ($${details.spendUsd} of $${details.limitUsd} spent)`
          : `$${details.spendUsd} of $${details.limitUsd} spent`;
    super(`tracked-openai: budget "${details.rule}" blocked this call for ${details.scope} "${details.scopeKey}": ${why}; the window resets at ${details.resetsAt.toISOString()}`);
    this.name = 'BudgetExceededError';
    this.rule = details.rule;
    this.scope = details.scope;
    this.scopeKey = details.scopeKey;
    this.spendUsd = details.spendUsd;
    this.limitUsd = details.limitUsd;
    this.resetsAt = details.resetsAt;
    this.reason = details.reason;
  }
}

const BRAND = Symbol.for('tracked-openai.budget-exceeded');
Object.defineProperty(BudgetExceededError.prototype, BRAND, { value: true });

/** A `BudgetExceededError` from this copy of the library or the other build (ESM and CJS have different classes). */
export function isBudgetExceeded(error: unknown): error is BudgetExceededError {
  return error !== null && typeof error === 'object' && (error as Record<symbol, unknown>)[BRAND] === true;
}
