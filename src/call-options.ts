import { setOwn } from './records.js';

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
  /** Report this cost (USD) instead of a computed one. */
  posthogCostOverride?: { inputCost: number; outputCost: number };
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
];

const CALL_OPTION_SET: ReadonlySet<string> = new Set(CALL_OPTION_NAMES);

/** A request body split into what goes to OpenAI and what is ours. */
export interface SplitBody {
  body: unknown;
  callOptions: PostHogCallOptions | undefined;
}

/**
 * Removes our per-call keys from a request body. The caller's object is never changed: when it
 * holds none of our keys it is passed on as is (the common case, no copy); otherwise a shallow copy
 * without them is sent.
 */
export function splitCallOptions(body: unknown): SplitBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body, callOptions: undefined };
  const record = body as Record<string, unknown>;
  let found = false;
  // A body has a few keys and ours all start with "posthog": a look at each key's first letter.
  for (const key in record) {
    if (key.charCodeAt(0) === 112 /* p */ && CALL_OPTION_SET.has(key)) {
      found = true;
      break;
    }
  }
  if (!found) return { body, callOptions: undefined };

  const clean: Record<string, unknown> = {};
  const callOptions: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (CALL_OPTION_SET.has(key)) callOptions[key] = record[key];
    else setOwn(clean, key, record[key]);
  }
  return { body: clean, callOptions: callOptions as PostHogCallOptions };
}
