import type { DebugLogger } from './options.js';
import { detachedOrShared, ownProperties } from './events/detach.js';
import { setOwn } from './safe-read.js';
import { describeValue, isRecord } from './validation.js';

/**
 * Per-call options, given in the request body with the same names as PostHog's own wrapper
 * (`@posthog/ai`) uses, so that moving from it is an import swap. They are removed from the body
 * before the request is sent.
 */
export interface PostHogCallOptions {
  /** The PostHog person this call belongs to. */
  posthogDistinctId?: string;
  /** The trace this call belongs to (letters, digits and `-_~.@()!':|`). A new id is made when absent. */
  posthogTraceId?: string;
  /** Extra properties for this call's event. */
  posthogProperties?: Record<string, unknown>;
  /** PostHog groups for this call's event. */
  posthogGroups?: Record<string, string | number>;
  /** No input or output in this call's event. */
  posthogPrivacyMode?: boolean;
  /** Deliver this call's event with `captureImmediate()` and wait for it (bounded). */
  posthogCaptureImmediate?: boolean;
  /** Report this model instead of the request's. */
  posthogModelOverride?: string;
  /** Report this provider instead of the one derived from the client. */
  posthogProviderOverride?: string;
  /**
   * Your prices for this call, in USD **per token**, as in `@posthog/ai`: the event's
   * `$ai_input_cost_usd` is `inputCost` × the input tokens and `$ai_output_cost_usd` is
   * `outputCost` × the output tokens, as the response reports them (cached input tokens count as
   * input tokens, reasoning tokens as output tokens; there is no separate cache rate). Replaces the
   * price table's cost; a side left out counts as 0. A call whose response reports no usage gets
   * no cost. To give the cost of the whole call instead, use `posthogCallCostOverride`.
   *
   * @example
   * // $2.50 and $10 per million tokens
   * { posthogCostOverride: { inputCost: 2.5e-6, outputCost: 10e-6 } }
   */
  posthogCostOverride?: PostHogCostOverride;
  /**
   * The cost of this whole call, in USD: sent as `$ai_input_cost_usd` and `$ai_output_cost_usd`
   * (their sum as `$ai_total_cost_usd`) whatever the tokens, also when the call failed. Wins over
   * `posthogCostOverride` and the price table.
   *
   * @example
   * { posthogCallCostOverride: { inputCost: 0.0012, outputCost: 0.0034 } }
   */
  posthogCallCostOverride?: PostHogCostOverride;
}

/** USD amounts for a call's input and output: per token in `posthogCostOverride`, in all in `posthogCallCostOverride`. */
export interface PostHogCostOverride {
  inputCost?: number;
  outputCost?: number;
}

const CALL_OPTION_NAMES: readonly (keyof PostHogCallOptions)[] = [
  'posthogDistinctId',
  'posthogTraceId',
  'posthogProperties',
  'posthogGroups',
  'posthogPrivacyMode',
  'posthogCaptureImmediate',
  'posthogModelOverride',
  'posthogProviderOverride',
  'posthogCostOverride',
  'posthogCallCostOverride',
];

const CALL_OPTION_SET: ReadonlySet<string> = new Set(CALL_OPTION_NAMES);

/** A request body split into what goes to OpenAI and what is ours. */
export interface SplitBody {
  body: unknown;
  /** Our options, checked (see {@link splitCallOptions}); undefined when the body has none. */
  callOptions: PostHogCallOptions | undefined;
}

/**
 * Removes our per-call keys from a request body and checks their values, in one pass over its
 * keys. The caller's object is never changed: when it holds none of our keys it is passed on as is
 * (the common case, no copy); otherwise a shallow copy without them is sent. The options' objects
 * are copied (see `events/detach.ts`).
 *
 * The options arrive at call time, so a wrong type never throws (the call must go on as untracked
 * code would): a numeric distinct or trace id is used as its text (PostHog accepts numbers there),
 * anything else of the wrong type is left out, with a console warning once per option name and a
 * debug line each time. `null` means "not given".
 */
export function splitCallOptions(body: unknown, log: DebugLogger | undefined): SplitBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body, callOptions: undefined };
  const record = body as Record<string, unknown>;
  let found = false;
  for (const key in record) {
    if (CALL_OPTION_SET.has(key)) {
      found = true;
      break;
    }
  }
  if (!found) return { body, callOptions: undefined };

  const clean: Record<string, unknown> = {};
  const callOptions: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (CALL_OPTION_SET.has(key)) {
      const checked = checkedOption(key as CallOptionName, value, log);
      if (checked !== undefined) callOptions[key] = ownCopy(key, checked);
    } else {
      setOwn(clean, key, value);
    }
  }
  return { body: clean, callOptions: callOptions as PostHogCallOptions };
}

type CallOptionName = keyof PostHogCallOptions;

/**
 * An option's value as the tracking keeps it. Properties and groups are copied as given with the
 * call, so that what the caller later does with the objects doesn't reach the event (built after
 * the call ends).
 */
function ownCopy(key: string, value: unknown): unknown {
  if (key === 'posthogProperties') return ownProperties(value);
  return typeof value === 'object' ? detachedOrShared(value) : value;
}

/** Option names already warned about: a wrong type is told once per process, not once per call. */
const warnedCallOptions = new Set<string>();

function isCost(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

/** What each option must be, checked; the expectation in words for the warning. */
const CALL_OPTION_CHECKS: Record<CallOptionName, { valid: (value: unknown) => boolean; expected: string }> = {
  posthogDistinctId: { valid: (value) => typeof value === 'string', expected: 'a string' },
  posthogTraceId: { valid: (value) => typeof value === 'string', expected: 'a string' },
  posthogProperties: { valid: isRecord, expected: 'an object' },
  posthogGroups: {
    valid: (value) => isRecord(value) && Object.values(value).every((key) => typeof key === 'string' || typeof key === 'number'),
    expected: 'an object of strings or numbers',
  },
  posthogPrivacyMode: { valid: (value) => typeof value === 'boolean', expected: 'a boolean' },
  posthogCaptureImmediate: { valid: (value) => typeof value === 'boolean', expected: 'a boolean' },
  posthogModelOverride: { valid: (value) => typeof value === 'string', expected: 'a string' },
  posthogProviderOverride: { valid: (value) => typeof value === 'string', expected: 'a string' },
  posthogCostOverride: {
    valid: (value) => isRecord(value) && isCost(value.inputCost) && isCost(value.outputCost),
    expected: '{ inputCost, outputCost } with numbers >= 0 (USD per token)',
  },
  posthogCallCostOverride: {
    valid: (value) => isRecord(value) && isCost(value.inputCost) && isCost(value.outputCost),
    expected: '{ inputCost, outputCost } with numbers >= 0 (USD)',
  },
};

function describeFound(value: unknown): string {
  if (isRecord(value)) return 'an object with other values';
  return describeValue(value);
}

/** One option's value as the call uses it, or undefined when it is left out (not given, null, or of a wrong type: warned). */
function checkedOption(name: CallOptionName, value: unknown, log: DebugLogger | undefined): unknown {
  if (value === undefined || value === null) return undefined;
  const check = CALL_OPTION_CHECKS[name];
  let valid: boolean;
  try {
    valid = check.valid(value);
  } catch {
    valid = false; // an object whose values throw when read: of no use as the option
  }
  if (valid) return value;
  if ((name === 'posthogDistinctId' || name === 'posthogTraceId') && typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  const problem = `per-call option \`${name}\` must be ${check.expected}, got ${describeFound(value)}; it was ignored`;
  log?.(problem);
  if (!warnedCallOptions.has(name)) {
    warnedCallOptions.add(name);
    console.warn(`[tracked-openai] ${problem} (this warning is shown once)`);
  }
  return undefined;
}
