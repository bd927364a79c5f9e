import type { OtelSpan, OtelTracer } from './types.js';

/** An OpenTelemetry `Context` (opaque here). */
type OtelContext = object;

/** The parts of `@opentelemetry/api` used: the default tracer, and the active context to run the request in. */
export interface TraceApi {
  trace: { getTracer(name: string, version?: string): OtelTracer; setSpan(context: OtelContext, span: OtelSpan): OtelContext };
  context: { active(): OtelContext; with<R>(context: OtelContext, fn: () => R): R };
}

type Require = (id: string) => unknown;

/**
 * `@opentelemetry/api`, loaded only when the `otel` option is on (it is an optional peer
 * dependency, so nothing may import it when the package loads). Loaded synchronously, so that the
 * first call of a new client already has its span: with `createRequire`, from this file's location
 * in either build. The API keeps its state on `globalThis`, so this copy sees the tracer provider
 * the app registered through its own (ES module or CommonJS) copy. Undefined where it can't be
 * loaded (not installed, or a runtime without `node:module`).
 */
export function loadTraceApi(): TraceApi | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const nodeModule = proc?.getBuiltinModule?.('node:module') as { createRequire?: (from: string) => Require } | undefined;
    if (typeof nodeModule?.createRequire !== 'function') return undefined;
    // In the CommonJS build `__filename` is this file; in the ES module build it is not defined.
    const from = typeof __filename === 'string' ? __filename : import.meta.url;
    const api = nodeModule.createRequire(from)('@opentelemetry/api') as Partial<TraceApi> | undefined;
    const usable =
      typeof api?.trace?.getTracer === 'function' && typeof api.trace.setSpan === 'function' && typeof api.context?.with === 'function' && typeof api.context.active === 'function';
    return usable ? (api as TraceApi) : undefined;
  } catch {
    return undefined;
  }
}
