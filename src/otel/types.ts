/**
 * The parts of OpenTelemetry's tracing API that tracked-openai uses, as plain shapes: a tracer
 * from `@opentelemetry/api` (any 1.x) fits them, and this package's types never name
 * `@opentelemetry/api`, which is an optional peer dependency.
 */

/** An attribute's value, as OpenTelemetry allows it. */
export type OtelAttributeValue = string | number | boolean | string[] | number[] | boolean[];

export type OtelAttributes = Record<string, OtelAttributeValue | undefined>;

/** `SpanContext`: the ids a span is known by. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The span methods tracked-openai calls. */
export interface OtelSpan {
  spanContext(): OtelSpanContext;
  setAttributes(attributes: OtelAttributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
}

/** A `Tracer` (`trace.getTracer(name)`): its `startSpan` parents the span on the active one. */
export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: OtelAttributes; startTime?: number }): OtelSpan;
}

/** The `otel` option in its object form. */
export interface OtelOptions {
  /** The tracer to record spans with. Default: `trace.getTracer('tracked-openai')` of `@opentelemetry/api`. */
  tracer?: OtelTracer;
  /**
   * Record the conversation on the span (`gen_ai.input.messages`, `gen_ai.output.messages`), as the
   * conventions allow when asked: what the PostHog event carries, so nothing in privacy mode, and
   * inline media as a marker. The `redact` hook does not see spans. Default false.
   */
  captureContent?: boolean;
}
