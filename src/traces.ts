import {
  type ActiveContext,
  currentContext,
  mergeContext,
  readContext,
  runInContext,
  type TraceScope,
  type TrackingContext,
} from './context.js';
import { readOr, UNREADABLE } from './safe-read.js';
import { rememberedSecrets } from './events/credentials.js';
import { describeError } from './events/error.js';
import { newUuid } from './events/ids.js';
import { secondsBetween } from './events/seconds.js';
import { resolveTrackingOptions } from './options.js';
import { groupsOf, personOf, privacyModeOf } from './events/rules.js';
import { SPAN_EVENT, TRACE_EVENT } from './events/vocabulary.js';
import { sanitizeProperties } from './events/sanitize.js';
import { type CaptureMessage, Sink } from './sink.js';
import { latestTrackingOf, livePostHogCount, liveLoggers, onlyPostHogTracking, type Tracking } from './tracking.js';
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

/** Where a trace or span event goes, decided when it ends: see {@link routeOf}. */
type Route =
  | { kind: 'send'; sink: Sink; tracking: Tracking | undefined }
  | { kind: 'wait'; around: TraceScope }
  | { kind: 'drop'; posthogs: number };

/** The client that tracked calls told this scope, or else the nearest scope around it. */
function knownTracking(scope: TraceScope): Tracking | undefined {
  for (let at: TraceScope | undefined = scope; at; at = at.parent) if (at.tracking) return at.tracking;
  return undefined;
}

/** The nearest trace or span around `scope` that is still running. */
function runningAround(scope: TraceScope): TraceScope | undefined {
  for (let at = scope.parent; at; at = at.parent) if (!at.ended) return at;
  return undefined;
}

/**
 * Where the event of a trace or span that has just ended goes. Never to a PostHog client it cannot
 * be attributed to:
 *
 * 1. `posthog` in its options or context: there, with the options (redact hook, size limit, log)
 *    of the client of the calls made in it, else of a client using that PostHog client.
 * 2. The client of the tracked calls made in it, else of those made so far in the nearest trace or
 *    span around it.
 * 3. The only PostHog client in use: the live tracked clients (not yet garbage collected) all use
 *    one, as with a single client, or several sharing one.
 * 4. Otherwise it waits for the nearest trace or span around it that is still running, and is
 *    tried again when that one ends (a call made there later tells the client).
 * 5. With none left, it is not sent: said in the debug log of every live client when several
 *    PostHog clients are in use.
 */
function routeOf(scope: TraceScope, context: ActiveContext): Route {
  const known = knownTracking(scope);
  const posthog = context.posthog;
  if (posthog) {
    const tracking = known ?? latestTrackingOf(posthog) ?? onlyPostHogTracking();
    const options = tracking ? { ...tracking.options, posthog } : resolveTrackingOptions({ posthog }, false);
    return { kind: 'send', sink: new Sink(options), tracking };
  }
  const tracking = known ?? onlyPostHogTracking();
  if (tracking) return { kind: 'send', sink: tracking.sink, tracking };
  const around = runningAround(scope);
  if (around) return { kind: 'wait', around };
  return { kind: 'drop', posthogs: livePostHogCount() };
}

/** How a trace or span ended, kept until its event is sent. */
interface Ending {
  failed: boolean;
  error: unknown;
  output: unknown;
  latency: number;
  /** When it ended: the event's timestamp, when it is sent later than that. */
  at: number;
  /** Whether it waited for a scope around it (then it is dated when it ended). */
  waited: boolean;
}

function runScope<R>(kind: ScopeKind, name: string, fn: () => R, options: TraceOptions | undefined): ScopeResult<R> {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`tracked-openai: ${kind}(name, fn) needs a non-empty name`);
  if (typeof fn !== 'function') throw new TypeError(`tracked-openai: ${kind}(name, fn) needs a function`);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`tracked-openai: ${kind}(name, fn, options) needs options to be an object`);
  }
  // Each option read once; one whose getter throws never reaches the caller (see readContext).
  let input = options === undefined ? undefined : readOr(options, 'input', UNREADABLE);
  const captureOutput = options !== undefined && readOr(options, 'captureOutput', false);
  const contextOptions = readContext(options ?? {});
  const outer = currentContext();
  const traceId = kind === 'trace' ? (contextOptions.traceId ?? newUuid()) : (outer?.traceId ?? contextOptions.traceId ?? newUuid());
  const spanId = kind === 'trace' ? traceId : newUuid();
  const parentId = kind === 'span' ? (outer?.parentId ?? traceId) : undefined;
  const scope: TraceScope = { tracking: undefined, parent: outer?.scope, secrets: new Set(), ended: false, waiting: undefined };
  const context = mergeContext(kind === 'trace' ? stripTree(outer) : outer, { ...contextOptions, traceId }, { parentId: spanId, scope });
  let userProperties = context.properties;
  const startedAt = performance.now();
  const event = kind === 'trace' ? TRACE_EVENT : SPAN_EVENT;

  /** Sends the event, or leaves it to wait for a scope around (then tried again); never throws. */
  const deliver = (ending: Ending): void => {
    let route: Route | undefined;
    try {
      route = routeOf(scope, context);
      if (route.kind === 'wait') {
        ending.waited = true;
        (route.around.waiting ??= []).push(() => deliver(ending));
        return;
      }
      if (route.kind === 'drop') {
        if (route.posthogs > 1) {
          const why =
            `${event} "${name}" was not sent: the tracked clients use ${route.posthogs} PostHog clients, and no tracked call ` +
            `in it or around it tells which one it belongs to; pass \`posthog\` in the options of ${kind}() (or of withTracking()) to send it`;
          for (const log of liveLoggers()) log(why);
        }
        return;
      }
      const { sink, tracking } = route;
      // As for calls: the context's setting, else the client's or its posthog-node client's.
      const privacy = privacyModeOf(tracking?.options, context);
      const properties: Record<string, unknown> = {
        $ai_lib: LIB_NAME,
        $ai_lib_version: LIB_VERSION,
        $ai_trace_id: traceId,
        $ai_span_name: name,
        $ai_latency: ending.latency,
        $ai_is_error: ending.failed,
      };
      if (kind === 'span') {
        properties.$ai_span_id = spanId;
        properties.$ai_parent_id = parentId;
      }
      if (context.sessionId) properties.$ai_session_id = context.sessionId;
      if (input !== undefined) properties.$ai_input_state = privacy ? null : input;
      if (captureOutput) properties.$ai_output_state = privacy ? null : ending.output;
      // A scope in which no tracked call ran knows no client: every tracked client's credentials.
      if (ending.failed) properties.$ai_error = describeError(ending.error, [...scope.secrets, ...rememberedSecrets()], privacy).message;
      const { distinctId, anonymous } = personOf(traceId, context.distinctId, tracking?.options.distinctId);
      const sent: Record<string, unknown> = { ...properties, ...userProperties };
      if (anonymous) sent.$process_person_profile = false;
      const groups = groupsOf(tracking?.options.groups, context.groups);
      const message: CaptureMessage & { timestamp?: Date } = { distinctId, event, properties: sent, ...(groups ? { groups } : {}) };
      // Sent after a scope around it ended: dated when it ended, as an event sent then would be.
      if (ending.waited) message.timestamp = new Date(ending.at);
      sink.send(message, false);
    } catch (problem) {
      const log = route?.kind === 'send' ? route.tracking?.options.log : undefined;
      for (const logger of log ? [log] : liveLoggers()) logger(`could not send the ${kind} event`, problem);
    }
  };

  const finish = (error: unknown, failed: boolean, output: unknown): void => {
    scope.ended = true;
    // What the caller may change before posthog-node sends the event (the value fn returned, its
    // input, its properties): copies, made safe.
    const copies = sanitizeProperties({ input, output: captureOutput ? output : undefined, user: userProperties ?? {} }, { copy: true }).properties;
    input = copies.input;
    userProperties = copies.user as Record<string, unknown>;
    deliver({ failed, error, output: copies.output, latency: secondsBetween(startedAt, performance.now()), at: Date.now(), waited: false });
    // The scopes inside that ended before a client was known to them: a call made here since may tell it.
    const waiting = scope.waiting;
    scope.waiting = undefined;
    if (waiting) for (const retry of waiting) retry();
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
