import type { CallOutcome, CallStart } from '../events/build.js';
import { sanitizeProperties } from '../events/sanitize.js';
import * as names from './attributes.js';
import { inputMessages, outputMessages } from './content.js';
import type { ResolvedOtel } from './options.js';
import { describeRequest, numberOf, stringOf } from './request-attributes.js';
import type { OtelAttributes, OtelSpan } from './types.js';

const INVALID_TRACE_ID = '00000000000000000000000000000000';
/** `TraceFlags.SAMPLED`. */
const SAMPLED = 1;

/** `gen_ai.response.finish_reasons`: every choice's (chat, legacy), else the stop reason the event has (Responses). */
function finishReasons(result: Record<string, unknown> | undefined, stopReason: unknown): string[] | undefined {
  const choices = result?.choices;
  if (Array.isArray(choices)) {
    const reasons = choices.map((choice) => stringOf((choice as { finish_reason?: unknown } | null)?.finish_reason)).filter((reason) => reason !== undefined);
    if (reasons.length > 0) return reasons;
  }
  const reason = stringOf(stopReason);
  return reason === undefined || reason === 'aborted' ? undefined : [reason];
}

/** `error.type`: the error's class (`RateLimitError`, `APIConnectionError`), else its HTTP status, else `_OTHER` as the conventions say. */
function errorType(error: unknown, status: unknown): string {
  const className = error !== null && typeof error === 'object' ? (error as { constructor?: { name?: unknown } }).constructor?.name : undefined;
  if (typeof className === 'string' && className !== '' && className !== 'Object') return className;
  if (typeof status === 'number' && status >= 400) return String(status);
  return '_OTHER';
}

/** The attributes with a value (an attribute set to undefined is invalid in OpenTelemetry), in a new object: `delete` would make the object a slow one for the SDK to read. */
function defined(attributes: OtelAttributes): OtelAttributes {
  const withValues: OtelAttributes = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    if (value !== undefined) withValues[key] = value;
  }
  return withValues;
}

/** The conversation, when asked for: from the event (nothing in privacy mode), without inline media. */
function contentAttributes(properties: Record<string, unknown>, finishReasons: string[] | undefined): OtelAttributes {
  const { properties: safe } = sanitizeProperties({ input: properties.$ai_input, output: properties.$ai_output_choices }, { copy: true });
  return {
    [names.GEN_AI_INPUT_MESSAGES]: inputMessages(safe.input),
    [names.GEN_AI_OUTPUT_MESSAGES]: outputMessages(safe.output, finishReasons),
  };
}

/** What the call's end adds to its span, read from its PostHog event (the same tokens, cost and ending). */
function endAttributes(outcome: CallOutcome, properties: Record<string, unknown> | undefined): OtelAttributes {
  const result = outcome.result;
  const event = properties ?? {};
  return {
    [names.GEN_AI_RESPONSE_ID]: stringOf(event.$ai_response_id) ?? stringOf(result?.id),
    [names.GEN_AI_RESPONSE_MODEL]: stringOf(result?.model),
    [names.GEN_AI_RESPONSE_FINISH_REASONS]: finishReasons(result, event.$ai_stop_reason),
    [names.GEN_AI_USAGE_INPUT_TOKENS]: numberOf(event.$ai_input_tokens),
    [names.GEN_AI_USAGE_OUTPUT_TOKENS]: numberOf(event.$ai_output_tokens),
    [names.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: numberOf(event.$ai_cache_read_input_tokens),
    [names.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: numberOf(event.$ai_cache_creation_input_tokens),
    [names.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: numberOf(event.$ai_reasoning_tokens),
    [names.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: numberOf(event.$ai_time_to_first_token),
    [names.OPENAI_RESPONSE_SERVICE_TIER]: stringOf(event.$ai_service_tier),
    [names.OPENAI_RESPONSE_SYSTEM_FINGERPRINT]: stringOf(result?.system_fingerprint),
    [names.COST_INPUT_USD]: numberOf(event.$ai_input_cost_usd),
    [names.COST_OUTPUT_USD]: numberOf(event.$ai_output_cost_usd),
    [names.COST_TOTAL_USD]: numberOf(event.$ai_total_cost_usd),
    [names.COST_UNKNOWN_REASON]: stringOf(event.$ai_cost_unknown_reason),
    [names.STREAM_ENDING]: stringOf(event.$ai_stream_ending),
    [names.POSTHOG_TRACE_ID]: stringOf(event.$ai_trace_id),
    [names.ERROR_TYPE]: outcome.error === undefined ? undefined : errorType(outcome.error, event.$ai_http_status),
  };
}

/**
 * The OpenTelemetry span of one tracked call: started with the call (as a child of the span active
 * then), ended once with its event, however the call ended. Never throws: a failing tracer costs
 * the span, never the call.
 */
export class CallSpan {
  private ended = false;

  private constructor(
    private readonly span: OtelSpan,
    private readonly otel: ResolvedOtel,
    /** Epoch milliseconds: the span's times are the call's own, so that its duration is `$ai_latency`. */
    private readonly startTime: number,
  ) {}

  /** Starts the span of a call that is starting now (in `create()`, where the caller's span is active). */
  static start(otel: ResolvedOtel, call: Pick<CallStart, 'operation' | 'body' | 'endpoint' | 'options' | 'startedAt'>): CallSpan | undefined {
    try {
      const { name, attributes } = describeRequest(call.operation, call.body, call.endpoint);
      const startTime = performance.timeOrigin + call.startedAt;
      const span = otel.tracer.startSpan(name, { kind: names.SPAN_KIND_CLIENT, attributes: defined(attributes), startTime });
      return new CallSpan(span, otel, startTime);
    } catch (error) {
      call.options.log?.('starting the OpenTelemetry span failed; the call has none', error);
      return undefined;
    }
  }

  /**
   * Runs `send` (the SDK's request) with this span active, where `@opentelemetry/api` is loaded, so
   * that the HTTP request's span is its child. `send`'s own result or exception, untouched.
   */
  run<R>(send: () => R): R {
    const { api } = this.otel;
    if (!api) return send();
    let active: object;
    try {
      active = api.trace.setSpan(api.context.active(), this.span);
    } catch {
      return send();
    }
    return api.context.with(active, send);
  }

  /** The ids the PostHog event names the span by, when the span is sampled (so that they lead to a span). */
  eventProperties(): Record<string, string> | undefined {
    try {
      const { traceId, spanId, traceFlags } = this.span.spanContext();
      if (traceId === INVALID_TRACE_ID || (traceFlags & SAMPLED) !== SAMPLED) return undefined;
      return { [names.EVENT_OTEL_TRACE_ID]: traceId, [names.EVENT_OTEL_SPAN_ID]: spanId };
    } catch {
      return undefined;
    }
  }

  /** Ends the span with what the call's event says (`properties`, undefined when it could not be built). */
  end(outcome: CallOutcome, properties: Record<string, unknown> | undefined, latencySeconds: number, log?: (message: string, detail?: unknown) => void): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const attributes = endAttributes(outcome, properties);
      if (this.otel.captureContent && properties) {
        Object.assign(attributes, contentAttributes(properties, attributes[names.GEN_AI_RESPONSE_FINISH_REASONS] as string[] | undefined));
      }
      this.span.setAttributes(defined(attributes));
      if (outcome.error !== undefined) {
        const message = stringOf(properties?.$ai_error);
        this.span.setStatus(message === undefined ? { code: names.SPAN_STATUS_ERROR } : { code: names.SPAN_STATUS_ERROR, message });
      }
    } catch (error) {
      log?.('recording the end of the OpenTelemetry span failed', error);
    }
    try {
      this.span.end(this.startTime + latencySeconds * 1000);
    } catch (error) {
      log?.('ending the OpenTelemetry span failed', error);
    }
  }
}
