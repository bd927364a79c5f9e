import type { PostHogCallOptions } from '../call-options.js';
import type { CallOutcome, TrackedCall } from '../call.js';
import { mergeReadable } from '../context.js';
import { endpointOf } from '../provider.js';
import { assignRecord, mergeRecords, setOwn } from '../records.js';
import type { CaptureMessage } from '../sink.js';
import type { DebugLogger } from '../options.js';
import { readTokenCounts, type TokenCounts } from '../usage.js';
import { LIB_NAME, LIB_VERSION } from '../version.js';
import { addCostProperties } from '../pricing/properties.js';
import { withoutContent } from '../operations/operation.js';
import { headerSecrets, secretsOf } from './credentials.js';
import { describeError } from './error.js';
import { newTraceId } from './ids.js';
import { groupsOf, personOf } from './rules.js';
import { SafeValues, sanitizeProperties } from './sanitize.js';
import { GENERATION_EVENT } from './vocabulary.js';
import { secondsBetween } from './seconds.js';

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

type Groups = Record<string, string | number>;

/** Most calls have no per-call options: one empty set for all of them. */
const NO_CALL_OPTIONS: PostHogCallOptions = Object.freeze({});

/**
 * What a call's event says about its request: everything but the response. It is built while the
 * request is in flight (see `TrackedCall.prepareWhileWaiting`), so that only the response's part
 * is left to do once the answer is there and the caller is waiting for it.
 */
export interface RequestPart {
  /** The request's properties, user properties last; already made safe to send unless `sanitized` is false. */
  readonly properties: Record<string, unknown>;
  /** `$ai_model_parameters` as it is in `properties` (ours: the served tier is added to it at the end). */
  readonly parameters: Record<string, unknown> | undefined;
  /** The user's properties (client, context, call), merged; applied again over the response's. */
  readonly user: Record<string, unknown> | undefined;
  /** Whether `properties` went through the sanitize walk (not when a `redact` hook sees the raw event first). */
  readonly sanitized: boolean;
  /** The walk's size estimate of `properties`, for the event size check. */
  readonly chars: number;
  readonly distinctId: string;
  readonly groups: Groups | undefined;
  /** The request's model (or `posthogModelOverride`); undefined: the response's is used. */
  readonly model: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/** The client's, the context's and the call's own properties, later ones winning; undefined when none. */
function userProperties(call: TrackedCall): Record<string, unknown> | undefined {
  const fromClient = call.tracking.options.properties;
  const fromContext = call.context?.properties;
  const fromCall = call.callOptions?.posthogProperties;
  if (!fromContext && !isRecord(fromCall)) return fromClient;
  return mergeRecords(fromClient, fromContext, isRecord(fromCall) ? fromCall : undefined);
}

/** Builds the request's part of a call's event (see {@link RequestPart}). */
export function buildRequestPart(call: TrackedCall): RequestPart {
  const { operation, body, tracking } = call;
  const options = tracking.options;
  const callOptions = call.callOptions ?? NO_CALL_OPTIONS;
  const endpoint = endpointOf(call.client);
  const context = call.context;
  const callTraceId = nonEmptyString(callOptions.posthogTraceId);
  const traceId = callTraceId ?? nonEmptyString(context?.traceId) ?? newTraceId();
  const model = nonEmptyString(callOptions.posthogModelOverride) ?? nonEmptyString(body.model);

  let properties: Record<string, unknown> = {
    $ai_lib: LIB_NAME,
    $ai_lib_version: LIB_VERSION,
    $ai_provider: nonEmptyString(callOptions.posthogProviderOverride) ?? endpoint.provider,
    $ai_model: model,
    $ai_model_parameters: call.privacyMode ? withoutContent(operation.parameters(body), operation.contentParameters) : operation.parameters(body),
    $ai_input: call.input,
    $ai_trace_id: traceId,
    $ai_base_url: endpoint.baseURL,
  };
  if (body.stream === true) properties.$ai_stream = true;
  // Inside trace()/span(): hang the call under the innermost one, unless the call names another trace.
  if (context?.parentId && (callTraceId === undefined || callTraceId === context.traceId)) {
    properties.$ai_parent_id = context.parentId;
  }
  if (context?.sessionId) properties.$ai_session_id = context.sessionId;
  if (call.tools) properties.$ai_tools = call.tools;

  const { distinctId, anonymous } = personOf(
    traceId,
    nonEmptyString(callOptions.posthogDistinctId),
    nonEmptyString(context?.distinctId),
    options.distinctId,
    nonEmptyString(body.user),
    nonEmptyString(body.safety_identifier),
  );
  if (anonymous) properties.$process_person_profile = false;

  // User properties last, as in PostHog's own wrapper: they may deliberately override ours.
  let user: Record<string, unknown> | undefined;
  try {
    user = userProperties(call);
    if (user) assignRecord(properties, user);
  } catch {
    // A getter that throws at the top level of the client's or the call's properties: the value
    // becomes '[unreadable]', as a deeper one does, and the event is still sent.
    const fromCall = call.callOptions?.posthogProperties;
    user = mergeReadable(options.properties, context?.properties, isRecord(fromCall) ? fromCall : undefined);
    assignRecord(properties, user);
  }
  const userKeys = user ? Object.keys(user) : undefined;

  // With a redact hook, the sink makes the whole event safe after the hook has seen it.
  const sanitized = options.redact === undefined;
  let chars = 0;
  if (sanitized) {
    const safe = sanitizeProperties(properties);
    properties = safe.properties;
    chars = safe.chars;
    if (userKeys) {
      // The user's values, as the walk made them safe (they were merged last: nothing of ours hides them).
      const safeUser: Record<string, unknown> = {};
      for (const key of userKeys) setOwn(safeUser, key, properties[key]);
      user = safeUser;
    }
  }
  const parameters = properties.$ai_model_parameters;

  const callGroups = isRecord(callOptions.posthogGroups) ? callOptions.posthogGroups : undefined;
  const groups = groupsOf(options.groups, context?.groups, callGroups);
  return {
    properties,
    parameters: isRecord(parameters) && !(user && '$ai_model_parameters' in user) ? parameters : undefined,
    user,
    sanitized,
    chars,
    distinctId,
    groups,
    model,
  };
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
 * The options were type-checked when the call started (`checkCallOptions`).
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

/** A text from the response, made safe when the event is made safe here (see `SafeValues`). */
function safeText(safe: SafeValues | undefined, value: unknown): unknown {
  return safe && typeof value === 'string' ? safe.of(value) : value;
}

/** More than the JSON size of the response's numbers and flags with their names (about 20 of them). */
const RESPONSE_FIELDS_CHARS = 1024;

/** The one `$ai_generation` / `$ai_embedding` event of a call, and its size estimate when it was made safe here. */
export interface BuiltEvent {
  message: CaptureMessage;
  /** The sanitize walk's size estimate; undefined when the sink must make the event safe itself. */
  chars: number | undefined;
}

/** Builds the one `$ai_generation` / `$ai_embedding` event of a call: its request's part, then what the response says. */
export function buildCallEvent(call: TrackedCall, outcome: CallOutcome, latencySeconds: number): BuiltEvent {
  const part = call.prepare();
  const { operation, body, tracking } = call;
  const options = tracking.options;
  const callOptions = call.callOptions;
  const result = outcome.result;

  // The request's part is this call's own object, used once: the response's properties join it.
  // With the sanitize walk done for the request's part, only the response's values that can hold
  // anything (text, output) are walked; its numbers are finite by construction.
  const properties = part.properties;
  const safe = part.sanitized ? new SafeValues() : undefined;
  properties.$ai_latency = latencySeconds;
  if (part.model === undefined) properties.$ai_model = safeText(safe, nonEmptyString(result?.model));
  const servedTier = nonEmptyString(result?.service_tier);
  if (outcome.response) properties.$ai_http_status = outcome.response.status;
  else if (result) properties.$ai_http_status = 200;
  const tokens = result ? readTokenCounts(result.usage) : undefined;
  if (result) {
    if (operation.event === GENERATION_EVENT) {
      const output = call.privacyMode ? null : operation.output(result);
      properties.$ai_output_choices = safe ? safe.of(output) : output;
    }
    if (tokens) {
      properties.$ai_input_tokens = tokens.input;
      if (operation.event === GENERATION_EVENT) properties.$ai_output_tokens = tokens.output;
      if (tokens.cacheRead !== undefined) properties.$ai_cache_read_input_tokens = tokens.cacheRead;
      if (tokens.cacheWrite !== undefined) properties.$ai_cache_creation_input_tokens = tokens.cacheWrite;
      if (tokens.reasoning !== undefined) properties.$ai_reasoning_tokens = tokens.reasoning;
      // OpenAI's input count already includes cached tokens; PostHog must not add them again.
      properties.$ai_cache_reporting_exclusive = false;
    }
    const stopReason = operation.stopReason(result);
    if (stopReason) properties.$ai_stop_reason = safeText(safe, stopReason);
    if (servedTier) {
      properties.$ai_service_tier = safeText(safe, servedTier);
      if (part.parameters) part.parameters.service_tier = properties.$ai_service_tier;
    }
    const responseId = nonEmptyString(result.id);
    if (responseId) properties.$ai_response_id = safeText(safe, responseId);
  }

  const stream = outcome.stream;
  if (stream) {
    properties.$ai_stream_ending = stream.ending;
    if (stream.firstContentAt !== undefined) {
      properties.$ai_time_to_first_token = secondsBetween(call.startedAt, stream.firstContentAt);
    }
  } else if (outcome.aborted) {
    // A call that is not streamed has no stream ending to say so: its stop reason does.
    properties.$ai_stop_reason = 'aborted';
  }

  if (outcome.error === undefined) {
    properties.$ai_is_error = false;
  } else {
    const error = describeError(outcome.error, [...secretsOf(call.client), ...headerSecrets(call.requestHeaders)], call.privacyMode);
    properties.$ai_is_error = true;
    properties.$ai_error = safeText(safe, error.message);
    if (error.status !== undefined) properties.$ai_http_status = error.status;
  }

  if (!addOverriddenCost(properties, callOptions, tokens, options.log) && result && outcome.error === undefined) {
    // Cost of a successful call, from the price table (src/pricing).
    addCostProperties(properties, result, body.model, options, tracking.pricing, tokens);
  }

  // The user's properties win over the response's too.
  if (part.user) assignRecord(properties, part.user);

  const message: CaptureMessage = { distinctId: part.distinctId, event: operation.event, properties };
  if (part.groups) message.groups = part.groups;
  return { message, chars: safe ? part.chars + safe.chars + RESPONSE_FIELDS_CHARS : undefined };
}
