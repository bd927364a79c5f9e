import type { CallOutcome, TrackedCall } from '../call.js';
import { endpointOf } from '../provider.js';
import type { CaptureMessage } from '../sink.js';
import { readTokenCounts } from '../usage.js';
import { LIB_NAME, LIB_VERSION } from '../version.js';
import { costProperties } from '../pricing/properties.js';
import { describeError } from './error.js';
import { newTraceId } from './ids.js';

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Credentials the client holds, so that no error message can carry them into an event. */
export function secretsOf(client: object): string[] {
  const { apiKey, organization, project } = client as { apiKey?: unknown; organization?: unknown; project?: unknown };
  return [apiKey, organization, project].filter((value): value is string => typeof value === 'string');
}

/** Builds the one `$ai_generation` / `$ai_embedding` event of a call. */
export function buildCallEvent(call: TrackedCall, outcome: CallOutcome, latencySeconds: number): CaptureMessage {
  const { operation, body, tracking } = call;
  const options = tracking.options;
  const callOptions = call.callOptions ?? {};
  const endpoint = endpointOf(call.client);
  const context = call.context;
  const callTraceId = nonEmptyString(callOptions.posthogTraceId);
  const traceId = callTraceId ?? nonEmptyString(context?.traceId) ?? newTraceId();

  const parameters = operation.parameters(body);
  const servedTier = nonEmptyString(outcome.result?.service_tier);
  if (servedTier) parameters.service_tier = servedTier;

  const properties: Record<string, unknown> = {
    $ai_lib: LIB_NAME,
    $ai_lib_version: LIB_VERSION,
    $ai_provider: nonEmptyString(callOptions.posthogProviderOverride) ?? endpoint.provider,
    $ai_model:
      nonEmptyString(callOptions.posthogModelOverride) ?? nonEmptyString(body.model) ?? nonEmptyString(outcome.result?.model),
    $ai_model_parameters: parameters,
    $ai_input: call.input,
    $ai_latency: latencySeconds,
    $ai_trace_id: traceId,
    $ai_base_url: endpoint.baseURL,
  };
  if (body.stream === true) properties.$ai_stream = true;
  // Inside trace()/span(): hang the call under the innermost one, unless the call names another trace.
  if (context?.parentId && (callTraceId === undefined || callTraceId === context.traceId)) {
    properties.$ai_parent_id = context.parentId;
  }
  if (context?.sessionId) properties.$ai_session_id = context.sessionId;
  // A copy: posthog-node serializes at flush time, after the caller may have added tools to its array.
  if (Array.isArray(body.tools) && body.tools.length > 0) properties.$ai_tools = body.tools.slice();

  const result = outcome.result;
  if (outcome.response) properties.$ai_http_status = outcome.response.status;
  else if (result) properties.$ai_http_status = 200;
  const tokens = result ? readTokenCounts(result.usage) : undefined;
  if (result) {
    if (operation.event === '$ai_generation') {
      properties.$ai_output_choices = call.privacyMode ? null : operation.output(result);
    }
    if (tokens) {
      properties.$ai_input_tokens = tokens.input;
      if (operation.event === '$ai_generation') properties.$ai_output_tokens = tokens.output;
      if (tokens.cacheRead !== undefined) properties.$ai_cache_read_input_tokens = tokens.cacheRead;
      if (tokens.cacheWrite !== undefined) properties.$ai_cache_creation_input_tokens = tokens.cacheWrite;
      if (tokens.reasoning !== undefined) properties.$ai_reasoning_tokens = tokens.reasoning;
      // OpenAI's input count already includes cached tokens; PostHog must not add them again.
      properties.$ai_cache_reporting_exclusive = false;
    }
    const stopReason = operation.stopReason(result);
    if (stopReason) properties.$ai_stop_reason = stopReason;
    if (servedTier) properties.$ai_service_tier = servedTier;
    const responseId = nonEmptyString(result.id);
    if (responseId) properties.$ai_response_id = responseId;
  }

  const stream = outcome.stream;
  if (stream) {
    properties.$ai_stream_ending = stream.ending;
    if (stream.firstContentAt !== undefined) {
      properties.$ai_time_to_first_token = (stream.firstContentAt - call.startedAt) / 1000;
    }
  }

  if (outcome.error === undefined) {
    properties.$ai_is_error = false;
  } else {
    const error = describeError(outcome.error, secretsOf(call.client), call.privacyMode);
    properties.$ai_is_error = true;
    properties.$ai_error = error.message;
    if (error.status !== undefined) properties.$ai_http_status = error.status;
  }

  // Cost of a successful call, from the price table (src/pricing); posthogCostOverride below wins.
  if (result && outcome.error === undefined && !callOptions.posthogCostOverride) {
    Object.assign(properties, costProperties(result, body.model, options, tokens));
  }

  const costOverride = callOptions.posthogCostOverride;
  if (costOverride && typeof costOverride === 'object') {
    const inputCost = finiteNumber(costOverride.inputCost);
    const outputCost = finiteNumber(costOverride.outputCost);
    if (inputCost !== undefined && outputCost !== undefined) {
      properties.$ai_input_cost_usd = inputCost;
      properties.$ai_output_cost_usd = outputCost;
      properties.$ai_total_cost_usd = inputCost + outputCost;
      // PostHog replaces client costs when either side is zero, unless told they pass through.
      properties.$ai_cost_passthrough = true;
    } else {
      options.log?.('posthogCostOverride needs numeric inputCost and outputCost; ignored');
    }
  }

  // User properties last, as in PostHog's own wrapper: they may deliberately override ours.
  if (options.properties) Object.assign(properties, options.properties);
  if (context?.properties) Object.assign(properties, context.properties);
  if (callOptions.posthogProperties && typeof callOptions.posthogProperties === 'object') {
    Object.assign(properties, callOptions.posthogProperties);
  }

  let distinctId =
    nonEmptyString(callOptions.posthogDistinctId) ??
    nonEmptyString(context?.distinctId) ??
    options.distinctId ??
    nonEmptyString(body.user) ??
    nonEmptyString(body.safety_identifier);
  if (distinctId === undefined) {
    // PostHog's convention for anonymous LLM events: the trace id, and no person profile.
    distinctId = traceId;
    properties.$process_person_profile = false;
  }

  const message: CaptureMessage = { distinctId, event: operation.event, properties };
  const callGroups = callOptions.posthogGroups && typeof callOptions.posthogGroups === 'object' ? callOptions.posthogGroups : undefined;
  const groups =
    callGroups || context?.groups ? { ...options.groups, ...context?.groups, ...callGroups } : options.groups;
  if (groups && Object.keys(groups).length > 0) message.groups = groups;
  return message;
}
