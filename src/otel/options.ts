import { describeValue, isPlainRecord } from '../validation.js';
import { LIB_NAME, LIB_VERSION } from '../version.js';
import { loadTraceApi, type TraceApi } from './load-api.js';
import type { OtelOptions, OtelTracer } from './types.js';

/** The `otel` option, checked: the tracer every call's span is recorded with. */
export interface ResolvedOtel {
  readonly tracer: OtelTracer;
  /**
   * `@opentelemetry/api` where it can be loaded: the SDK's request runs with the call's span active,
   * so that an HTTP instrumentation's span (and the `traceparent` it sends) is the call span's child.
   */
  readonly api: TraceApi | undefined;
  /** The `captureContent` option. */
  readonly captureContent: boolean;
}

const OTEL_OPTION_NAMES = ['tracer', 'captureContent'] as const satisfies readonly (keyof OtelOptions)[];

function withDefaultTracer(fail: (message: string) => never): Omit<ResolvedOtel, 'captureContent'> {
  const api = loadTraceApi();
  if (!api) {
    fail(
      'option `otel` needs the package @opentelemetry/api (npm install @opentelemetry/api) where the runtime has node:module; ' +
        'or give your own tracer: `otel: { tracer: trace.getTracer("my-app") }`',
    );
  }
  return { tracer: api.trace.getTracer(LIB_NAME, LIB_VERSION), api };
}

/**
 * Checks the `otel` option: `true` (spans through `@opentelemetry/api`'s global tracer provider) or
 * `{ tracer }`. Off (undefined or `false`): nothing of OpenTelemetry is loaded.
 */
export function resolveOtelOption(value: unknown, fail: (message: string) => never): ResolvedOtel | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ...withDefaultTracer(fail), captureContent: false };
  if (!isPlainRecord(value)) fail(`option \`otel\` must be true, false or { tracer, captureContent }, got ${describeValue(value)}`);
  for (const name of Object.keys(value)) {
    if (!(OTEL_OPTION_NAMES as readonly string[]).includes(name)) {
      fail(`unknown option \`otel.${name}\` (known: ${OTEL_OPTION_NAMES.join(', ')})`);
    }
  }
  const captureContent = value.captureContent ?? false;
  if (typeof captureContent !== 'boolean') fail(`option \`otel.captureContent\` must be a boolean, got ${describeValue(captureContent)}`);
  const tracer = value.tracer;
  if (tracer === undefined) return { ...withDefaultTracer(fail), captureContent };
  if (tracer === null || typeof tracer !== 'object' || typeof (tracer as { startSpan?: unknown }).startSpan !== 'function') {
    fail(`option \`otel.tracer\` must be an OpenTelemetry Tracer (trace.getTracer(name)), got ${describeValue(tracer)}`);
  }
  // The API too where it loads (not on the edge runtimes): the tracer alone can't make its span active.
  return { tracer: tracer as OtelTracer, api: loadTraceApi(), captureContent };
}
