import {
  type ActiveContext,
  currentContext,
  mergeContext,
  readContext,
  readOr,
  runInContext,
  type TraceScope,
  type TrackingContext,
  UNREADABLE,
} from './context.js';
import { rememberedSecrets } from './events/credentials.js';
import { describeError } from './events/error.js';
import { newTraceId } from './events/ids.js';
import { secondsBetween } from './events/seconds.js';
import { posthogPrivacyMode, resolveTrackingOptions } from './options.js';
import { assignRecord } from './records.js';
import { Sink } from './sink.js';
import { Tracking } from './tracking.js';
import { LIB_NAME, LIB_VERSION } from './version.js';

/** Options of `trace()` and `span()`: a context for the calls inside, plus what the trace itself records. */
export interface TraceOptions extends TrackingContext {
  /** `$ai_input_state`: what the trace or span started from (not sent in privacy mode). */
  input?: unknown;
  /** Record what `fn` returned as `$ai_output_state` (not in privacy mode). Default false. */
  captureOutput?: boolean;
}

type ScopeKind = 'trace' | 'span';

/** Whether `value` is to be awaited; a `then` that cannot even be read counts, so that awaiting it rejects. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    return typeof (value as PromiseLike<unknown>).then === 'function';
  } catch {
    return true;
  }
}

/** What `trace()` and `span()` return: `fn`'s value, or a `Promise` of what `fn`'s promise gives. */
export type ScopeResult<R> = R extends PromiseLike<infer U> ? Promise<Awaited<U>> : R;

/**
 * The sink for a trace's own event: the PostHog client named in its options or context (with the
 * tracked client's redact hook, size limit and log), else the tracked client's own.
 */
function sinkFor(context: ActiveContext, tracking: Tracking | undefined): Sink | undefined {
  if (context.posthog) {
    return new Sink(tracking ? { ...tracking.options, posthog: context.posthog } : resolveTrackingOptions({ posthog: context.posthog }, false));
  }
  return tracking?.sink;
}

function runScope<R>(kind: ScopeKind, name: string, fn: () => R, options: TraceOptions | undefined): ScopeResult<R> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`tracked-openai: ${kind}(name, fn) needs a non-empty name`);
  if (typeof fn !== 'function') throw new TypeError(`tracked-openai: ${kind}(name, fn) needs a function`);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`tracked-openai: ${kind}(name, fn, options) needs options to be an object`);
  }
  // Each option read once; one whose getter throws never reaches the caller (see readContext).
  const input = options === undefined ? undefined : readOr(options, 'input', UNREADABLE);
  const captureOutput = options !== undefined && readOr(options, 'captureOutput', false);
  const contextOptions = readContext(options ?? {});
  const outer = currentContext();
  const traceId = kind === 'trace' ? (contextOptions.traceId ?? newTraceId()) : (outer?.traceId ?? contextOptions.traceId ?? newTraceId());
  const spanId = kind === 'trace' ? traceId : newTraceId();
  const parentId = kind === 'span' ? (outer?.parentId ?? traceId) : undefined;
  const scope: TraceScope = { tracking: undefined, parent: outer?.scope, secrets: new Set() };
  const context = mergeContext(kind === 'trace' ? stripTree(outer) : outer, { ...contextOptions, traceId }, { parentId: spanId, scope });
  const startedAt = performance.now();

  const finish = (error: unknown, failed: boolean, output: unknown): void => {
    try {
      // The client of the tracked calls made inside (at any depth), else the latest one created.
      const tracking = scope.tracking ?? Tracking.latest();
      const sink = sinkFor(context, tracking);
      if (!sink) return;
      // As for calls: the context's setting, else the client's or its posthog-node client's.
      const privacy =
        context.privacyMode ??
        (tracking?.options.privacyMode === true || posthogPrivacyMode(tracking?.options.posthog) || posthogPrivacyMode(context.posthog));
      const properties: Record<string, unknown> = {
        $ai_lib: LIB_NAME,
        $ai_lib_version: LIB_VERSION,
        $ai_trace_id: traceId,
        $ai_span_name: name,
        $ai_latency: secondsBetween(startedAt, performance.now()),
        $ai_is_error: failed,
      };
      if (kind === 'span') {
        properties.$ai_span_id = spanId;
        properties.$ai_parent_id = parentId;
      }
      if (context.sessionId) properties.$ai_session_id = context.sessionId;
      if (input !== undefined) properties.$ai_input_state = privacy ? null : input;
      if (captureOutput) properties.$ai_output_state = privacy ? null : output;
      // A scope in which no tracked call ran knows no client: every tracked client's credentials.
      if (failed) properties.$ai_error = describeError(error, [...scope.secrets, ...rememberedSecrets()], privacy).message;
      if (context.properties) assignRecord(properties, context.properties);
      let distinctId = context.distinctId ?? tracking?.options.distinctId;
      if (!distinctId) {
        distinctId = traceId;
        properties.$process_person_profile = false;
      }
      const groups = context.groups ?? tracking?.options.groups;
      sink.send(
        { distinctId, event: kind === 'trace' ? '$ai_trace' : '$ai_span', properties, ...(groups ? { groups } : {}) },
        false,
      );
    } catch (problem) {
      Tracking.latest()?.options.log?.(`could not send the ${kind} event`, problem);
    }
  };

  let result: R;
  try {
    result = runInContext(context, fn, `${kind}()`, true);
  } catch (error) {
    finish(error, true, undefined);
    throw error;
  }
  if (isPromiseLike(result)) {
    // Adopted as `await` would (a `then` that throws rejects, it does not throw here): a promise of
    // the value, not the object `fn` returned (an APIPromise's `withResponse()` is not kept).
    return Promise.resolve(result).then(
      (value) => {
        finish(undefined, false, value);
        return value;
      },
      (error: unknown) => {
        finish(error, true, undefined);
        throw error;
      },
    ) as ScopeResult<R>;
  }
  finish(undefined, false, result);
  return result as ScopeResult<R>;
}

/** A new trace starts its own tree: it keeps the outer context's who and what, not its trace position. */
function stripTree(context: ActiveContext | undefined): ActiveContext | undefined {
  if (!context) return undefined;
  const { traceId: _traceId, parentId: _parentId, scope: _scope, ...rest } = context;
  return rest;
}

/**
 * Runs `fn` as a trace: every tracked call inside carries its `$ai_trace_id`, and a `$ai_trace`
 * event (name, latency, error, optional input and output state) is sent when it ends.
 *
 * @returns what `fn` returns; when it returns a promise (or any thenable), a `Promise` that settles
 *   as it does (the SDK's `APIPromise` helpers such as `withResponse()` belong inside `fn`).
 * @throws what `fn` throws.
 */
export function trace<R>(name: string, fn: () => R, options?: TraceOptions): ScopeResult<R> {
  return runScope('trace', name, fn, options);
}

/**
 * Runs `fn` as a span of the current trace (or of a new one): calls inside carry `$ai_parent_id`
 * = this span, and a `$ai_span` event is sent when it ends, so PostHog draws the tree.
 *
 * @returns what `fn` returns; for a promise or thenable, a `Promise` that settles as it does.
 * @throws what `fn` throws.
 */
export function span<R>(name: string, fn: () => R, options?: TraceOptions): ScopeResult<R> {
  return runScope('span', name, fn, options);
}
