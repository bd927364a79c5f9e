import type { PostHogCallOptions } from '../call-options.js';
import type { ActiveContext } from '../context.js';
import { setOwn } from '../safe-read.js';
import type { Operation } from '../operations/operation.js';
import { withoutContent } from '../operations/operation.js';
import type { DebugLogger, ResolvedTrackingOptions, TrackedEvent } from '../options.js';
import { addCostProperties } from '../pricing/properties.js';
import type { PricingState } from '../pricing/state.js';
import type { Endpoint } from '../provider.js';
import { pricesOf } from '../pricing/table.js';
import type { ToolCalls } from '../pricing/types.js';
import { readTokenCounts, type TokenCounts } from '../usage.js';
import { LIB_NAME, LIB_VERSION } from '../version.js';
import { requestOptionSecrets, secretsOf } from './credentials.js';
import { describeError } from './error.js';
import { newUuid } from './ids.js';
import { groupsOf, personOf } from './rules.js';
import { secondsBetween } from './seconds.js';
import { GENERATION_EVENT } from './vocabulary.js';

/**
 * How a streamed call ended. `not_read`: nobody read the stream, because the caller took the raw
 * response (`asResponse()`) or let the stream (or the promise of it) go unread (see intercept/unread.ts).
 */
export type StreamEnding = 'completed' | 'stopped' | 'aborted' | 'error' | 'not_read';

/** What a call was when it started: see `TrackedCall` (call.ts), which is one. */
export interface CallStart {
  readonly options: ResolvedTrackingOptions;
  readonly pricing: PricingState;
  readonly client: object;
  /** Who the client talks to (its provider, base URL and prices), found when the call started. */
  readonly endpoint: Endpoint;
  readonly operation: Operation;
  /** The request body as the caller wrote it, without our options. */
  readonly body: Record<string, unknown>;
  readonly callOptions: PostHogCallOptions | undefined;
  /** The `withTracking()` / `trace()` / `span()` context the call was made in. */
  readonly context: ActiveContext | undefined;
  /** `performance.now()` when `create()` was called. */
  readonly startedAt: number;
  /** No input, output or error message in the event: per call, else the context, else the client. */
  readonly privacyMode: boolean;
  /** `$ai_input`, read when the call started, so that later changes by the caller don't show. */
  readonly input: unknown;
  /** `$ai_tools`, copied when the call started. */
  readonly tools: unknown[] | undefined;
  /** The request options as given: their `headers` may hold per-request credentials, kept out of the event's error. */
  readonly requestOptions: unknown;
}

/** How a call ended, as far as analytics is concerned. */
export interface CallOutcome {
  /** The result, shaped as the API's non-streamed result (for streams: what was received, maybe partial). */
  result?: Record<string, unknown>;
  response?: Response;
  /** Set when the call failed: the SDK's error, or an error the provider reported inside a stream. */
  error?: unknown;
  stream?: { ending: StreamEnding; firstContentAt: number | undefined };
  /** The caller aborted the call (its signal) before the answer: not an error. */
  aborted?: boolean;
  /** `performance.now()` where the latency ends, when that is not when the event is built. */
  endedAt?: number;
  /** For a call that started a background job: whether the job's end was seen (see intercept/background.ts). */
  background?: BackgroundEnding;
}

/**
 * How a background job's event came: `seen` (its end was seen, the event has the whole job's
 * usage), `not_seen` (still running when the PostHog client shut down), `not_followed` (sent when
 * it was created: too many jobs waiting, or no way to know of the shutdown).
 */
export type BackgroundEnding = 'seen' | 'not_seen' | 'not_followed';

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * The client's, the context's and the call's own properties in one object, later ones winning;
 * undefined when there are none. Each is the tracking's own copy, read when it was given (a getter
 * that threw is `'[unreadable]'` there): see `options.ts`, `context.ts`, `call-options.ts`.
 */
function userPropertiesOf(...sources: (Record<string, unknown> | undefined)[]): Record<string, unknown> | undefined {
  let merged: Record<string, unknown> | undefined;
  for (const source of sources) {
    if (source) merged = merged ? { ...merged, ...source } : source;
  }
  return merged;
}

/** Sets each of `source`'s properties on `target` (an own "__proto__" key too, which assigning would turn into a prototype). */
function assignOwn(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const key of Object.keys(source)) setOwn(target, key, source[key]);
}

/** USD amounts to the pico-dollar, as the price table computes them: no float noise from a product of rates and counts. */
function roundUsd(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}

function setCost(properties: Record<string, unknown>, inputUsd: number, outputUsd: number): void {
  properties.$ai_input_cost_usd = roundUsd(inputUsd);
  properties.$ai_output_cost_usd = roundUsd(outputUsd);
  properties.$ai_total_cost_usd = roundUsd(inputUsd + outputUsd);
  // PostHog replaces client costs when either side is zero, unless told they pass through.
  properties.$ai_cost_passthrough = true;
}

/**
 * The cost the caller gave for this call, if any: `posthogCallCostOverride` (USD for the call),
 * else `posthogCostOverride` (USD per token, `@posthog/ai`'s meaning, times the reported input and
 * output tokens). Returns whether the caller's cost decided, so that the price table is not used.
 * The options were type-checked when the call started (`splitCallOptions`).
 */
function addOverriddenCost(
  properties: Record<string, unknown>,
  callOptions: PostHogCallOptions | undefined,
  tokens: TokenCounts | undefined,
  log: DebugLogger | undefined,
): boolean {
  const callCost = callOptions?.posthogCallCostOverride;
  if (callCost) {
    setCost(properties, callCost.inputCost ?? 0, callCost.outputCost ?? 0);
    return true;
  }
  const perToken = callOptions?.posthogCostOverride;
  if (!perToken) return false;
  if (tokens) {
    setCost(properties, (perToken.inputCost ?? 0) * tokens.input, (perToken.outputCost ?? 0) * tokens.output);
  } else {
    log?.('posthogCostOverride is per token, and the response reported no token counts: no cost sent');
  }
  return true;
}

/** What the request says: the event's first properties. */
function requestProperties(call: CallStart, endpoint: Endpoint, traceId: string, result: Record<string, unknown> | undefined): Record<string, unknown> {
  const { operation, body, callOptions, context } = call;
  const parameters = operation.parameters(body);
  const servedTier = nonEmptyString(result?.service_tier);
  if (servedTier) parameters.service_tier = servedTier;
  const properties: Record<string, unknown> = {
    $ai_lib: LIB_NAME,
    $ai_lib_version: LIB_VERSION,
    $ai_provider: nonEmptyString(callOptions?.posthogProviderOverride) ?? endpoint.provider,
    $ai_model: nonEmptyString(callOptions?.posthogModelOverride) ?? nonEmptyString(body.model) ?? nonEmptyString(result?.model),
    $ai_model_parameters: call.privacyMode ? withoutContent(parameters, operation.contentParameters) : parameters,
    $ai_input: call.input,
    $ai_trace_id: traceId,
    $ai_base_url: endpoint.baseURL,
  };
  if (body.stream === true) properties.$ai_stream = true;
  // Inside trace()/span(): hang the call under the innermost one, unless the call names another trace.
  const callTraceId = nonEmptyString(callOptions?.posthogTraceId);
  if (context?.parentId && (callTraceId === undefined || callTraceId === context.traceId)) {
    properties.$ai_parent_id = context.parentId;
  }
  if (context?.sessionId) properties.$ai_session_id = context.sessionId;
  if (call.tools) properties.$ai_tools = call.tools;
  return properties;
}

/** The largest raw usage forwarded as `$ai_usage`, in characters of JSON: counts and costs are far smaller. */
const MAX_USAGE_CHARS = 4096;
/** Usage nested deeper than this is not usage either. */
const MAX_USAGE_DEPTH = 8;

/**
 * About how many characters `value` takes as JSON, counted only until `budget` is spent (then a
 * number above it): a usage object is a few dozen counts, and an odd one must not cost a whole
 * serialization to be turned away.
 */
function jsonCharsWithin(value: unknown, budget: number, depth = 0): number {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? value.length + 2 : 8;
  if (depth >= MAX_USAGE_DEPTH) return budget + 1;
  let chars = 2;
  for (const key of Object.keys(value)) {
    chars += key.length + 4 + jsonCharsWithin((value as Record<string, unknown>)[key], budget - chars, depth + 1);
    if (chars > budget) break;
  }
  return chars;
}

/**
 * The provider's raw usage object, for `$ai_usage` (PostHog reads a gateway's billed `cost` from
 * it): counts and costs, no content, so it is sent in privacy mode too. One larger than
 * {@link MAX_USAGE_CHARS} is not usage: a marker instead.
 */
function usageToForward(usage: unknown): unknown {
  if (usage === null || typeof usage !== 'object') return undefined;
  return jsonCharsWithin(usage, MAX_USAGE_CHARS) <= MAX_USAGE_CHARS ? usage : `[usage of more than ${MAX_USAGE_CHARS} characters left out]`;
}

/** How many billed built-in tool calls the call made (`$ai_web_search_count` is PostHog's; the others are ours). */
function addToolCallCounts(properties: Record<string, unknown>, calls: ToolCalls): void {
  if (calls.webSearch > 0) properties.$ai_web_search_count = calls.webSearch;
  if (calls.fileSearch > 0) properties.$ai_file_search_count = calls.fileSearch;
  if (calls.codeInterpreter > 0) properties.$ai_code_interpreter_count = calls.codeInterpreter;
}

/** What the answer says: output, tokens, stop reason, tier, id. */
function addResultProperties(properties: Record<string, unknown>, call: CallStart, result: Record<string, unknown>, tokens: TokenCounts | undefined): void {
  const { operation } = call;
  if (operation.event === GENERATION_EVENT) properties.$ai_output_choices = call.privacyMode ? null : operation.output(result);
  if (tokens) {
    properties.$ai_input_tokens = tokens.input;
    if (operation.event === GENERATION_EVENT) properties.$ai_output_tokens = tokens.output;
    if (tokens.cacheRead !== undefined) properties.$ai_cache_read_input_tokens = tokens.cacheRead;
    if (tokens.cacheWrite !== undefined) properties.$ai_cache_creation_input_tokens = tokens.cacheWrite;
    if (tokens.reasoning !== undefined) properties.$ai_reasoning_tokens = tokens.reasoning;
    // OpenAI's input count already includes cached tokens; PostHog must not add them again.
    properties.$ai_cache_reporting_exclusive = false;
  }
  const usage = usageToForward(result.usage);
  if (usage !== undefined) properties.$ai_usage = usage;
  const stopReason = operation.stopReason(result);
  if (stopReason) properties.$ai_stop_reason = stopReason;
  const servedTier = nonEmptyString(result.service_tier);
  if (servedTier) properties.$ai_service_tier = servedTier;
  const responseId = nonEmptyString(result.id);
  if (responseId) properties.$ai_response_id = responseId;
}

/**
 * The cost properties of a call: the caller's override, $0 for a free API, or the price table's
 * (or the provider's reported) cost of a successful call; none for a call that failed.
 */
function addCost(
  properties: Record<string, unknown>,
  call: CallStart,
  outcome: CallOutcome,
  endpoint: Endpoint,
  tokens: TokenCounts | undefined,
  toolCalls: ToolCalls | undefined,
): void {
  const { options, callOptions, body } = call;
  const { result } = outcome;
  if (addOverriddenCost(properties, callOptions, tokens, options.log) || !result || outcome.error !== undefined) return;
  if (call.operation.free) {
    // A free API (moderations): $0, so that PostHog counts the call as free rather than unpriced.
    setCost(properties, 0, 0);
    return;
  }
  // Priced as the provider the event names: a per-call provider override names whose prices apply too.
  const providerOverride = nonEmptyString(callOptions?.posthogProviderOverride);
  const provider = providerOverride ? pricesOf(providerOverride.trim().toLowerCase()) : endpoint.pricing;
  const units = call.operation.units?.(body, result);
  addCostProperties(properties, result, body.model, options, call.pricing, provider, tokens, toolCalls, units);
}

/** A call priced ahead of its event (for budgets): its cost properties, and the counts they came from. */
export interface CallPrice {
  readonly properties: Record<string, unknown>;
  readonly tokens: TokenCounts | undefined;
  readonly toolCalls: ToolCalls | undefined;
}

/**
 * A call's cost properties alone (see `addCost`), for budgets, which count a call's spend as soon
 * as it ends while the rest of its event is built later: `buildEvent` is then given them.
 */
export function callCost(call: CallStart, outcome: CallOutcome): CallPrice {
  const { result } = outcome;
  const properties: Record<string, unknown> = {};
  const tokens = result ? readTokenCounts(result.usage) : undefined;
  const toolCalls = result ? call.operation.toolCalls?.(call.body, result) : undefined;
  addCost(properties, call, outcome, call.endpoint, tokens, toolCalls);
  return { properties, tokens, toolCalls };
}

/**
 * The one `$ai_generation` / `$ai_embedding` event of a call, from how it started and how it
 * ended (and its price, when `callCost` priced it already; its span's ids, with the `otel`
 * option). Pure: it reads, and makes nothing safe to send (the sink does, with the `redact` hook
 * and the size limit, for every event alike). The user's properties win over ours of the same
 * name: they may deliberately override ours, as in PostHog's own wrapper.
 */
export function buildEvent(
  call: CallStart,
  outcome: CallOutcome,
  latencySeconds: number,
  price?: CallPrice,
  spanProperties?: Record<string, unknown>,
): TrackedEvent {
  const { options, callOptions, context, body } = call;
  const { result, stream, error } = outcome;
  const traceId = nonEmptyString(callOptions?.posthogTraceId) ?? nonEmptyString(context?.traceId) ?? newUuid();
  const { endpoint } = call;
  const properties = requestProperties(call, endpoint, traceId, result);
  // Properties named at run time (the user's, the cost counted for budgets, the operation's own)
  // are set while the object is small: added to an object that already has many, they turn it into
  // a slow dictionary, for this build and for everything that reads the event after.
  const user = userPropertiesOf(options.properties, context?.properties, callOptions?.posthogProperties);
  if (user) assignOwn(properties, user);
  if (price) assignOwn(properties, price.properties);
  if (spanProperties) assignOwn(properties, spanProperties);
  // What PostHog has no property for (images, seconds of audio, characters): the operation's own names.
  const extra = call.operation.extraProperties?.(body, result);
  if (extra) assignOwn(properties, extra);

  const { distinctId, anonymous } = personOf(
    traceId,
    nonEmptyString(callOptions?.posthogDistinctId),
    nonEmptyString(context?.distinctId),
    options.distinctId,
    nonEmptyString(body.user),
    nonEmptyString(body.safety_identifier),
  );
  if (anonymous) properties.$process_person_profile = false;

  properties.$ai_latency = latencySeconds;
  if (outcome.response) properties.$ai_http_status = outcome.response.status;
  else if (result) properties.$ai_http_status = 200;
  const tokens = price ? price.tokens : result ? readTokenCounts(result.usage) : undefined;
  if (result) addResultProperties(properties, call, result, tokens);
  const toolCalls = price ? price.toolCalls : result ? call.operation.toolCalls?.(body, result) : undefined;
  if (toolCalls) addToolCallCounts(properties, toolCalls);

  if (outcome.background) properties.$ai_background_ending = outcome.background;
  if (stream) {
    properties.$ai_stream_ending = stream.ending;
    if (stream.firstContentAt !== undefined) properties.$ai_time_to_first_token = secondsBetween(call.startedAt, stream.firstContentAt);
  } else if (outcome.aborted) {
    // A call that is not streamed has no stream ending to say so: its stop reason does.
    properties.$ai_stop_reason = 'aborted';
  }

  if (error === undefined) {
    properties.$ai_is_error = false;
  } else {
    const described = describeError(error, [...secretsOf(call.client), ...requestOptionSecrets(call.requestOptions)], call.privacyMode);
    properties.$ai_is_error = true;
    properties.$ai_error = described.message;
    if (described.status !== undefined) properties.$ai_http_status = described.status;
  }

  if (!price) addCost(properties, call, outcome, endpoint, tokens, toolCalls);

  const givenGroups = callOptions?.posthogGroups;
  const groups = groupsOf(options.groups, context?.groups, isRecord(givenGroups) ? givenGroups : undefined);
  // The user's properties win over ours of the same name: set again, over them.
  if (user) assignOwn(properties, user);
  const event: TrackedEvent = { distinctId, event: call.operation.event, properties };
  if (groups) event.groups = groups;
  return event;
}
