import type { PostHogCallOptions } from './call-options.js';
import { type ActiveContext, currentContext } from './context.js';
import { buildCallEvent, buildRequestPart, type RequestPart } from './events/build.js';
import { secretsOf, toolsWithoutCredentials } from './events/credentials.js';
import { secondsBetween } from './events/seconds.js';
import type { Operation } from './operations/operation.js';
import { privacyModeOf } from './events/rules.js';
import type { Tracking } from './tracking.js';

/**
 * How a streamed call ended. `not_read`: nobody read the stream, because the caller took the raw
 * response (`asResponse()`) or let the stream (or the promise of it) go unread (see intercept/unread.ts).
 */
export type StreamEnding = 'completed' | 'stopped' | 'aborted' | 'error' | 'not_read';

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
  /** Where the latency ends (a `performance.now()` time) when that is not now: a stream found unread when collected. */
  endedAt?: number;
}

// Edge runtimes have no setImmediate: a timer does the same, a little later.
const scheduleSoon: (run: (call: TrackedCall) => void, call: TrackedCall) => void =
  typeof setImmediate === 'function' ? setImmediate : (run, call) => setTimeout(run, 0, call);

function prepareInBackground(call: TrackedCall): void {
  if (call.isEnded) return;
  try {
    call.prepare();
  } catch {
    // end() builds it again, and reports the problem then.
  }
}

function prepareOneTurnLater(call: TrackedCall): void {
  if (!call.isEnded) scheduleSoon(prepareInBackground, call);
}

/**
 * One LLM call, from `create()` to its single event. The first ending reported wins; any later
 * report (a retry of the same promise, a second way of reading the same response) is ignored.
 */
export class TrackedCall {
  // Fields are declared, then assigned once each in the constructor, in one order: every call
  // record has one shape, made without defining each field first (a record is made per call).
  declare readonly tracking: Tracking;
  declare readonly client: object;
  declare readonly operation: Operation;
  declare readonly body: Record<string, unknown>;
  declare readonly callOptions: PostHogCallOptions | undefined;
  declare readonly startedAt: number;
  /** The `withTracking()` / `trace()` / `span()` context the call was made in. */
  declare readonly context: ActiveContext | undefined;
  /** No input, output or error message in the event: per call, else the context, else the client. */
  declare readonly privacyMode: boolean;
  /** `$ai_input`, read when the call starts so that later changes by the caller don't show. */
  declare readonly input: unknown;
  /** `$ai_tools`, copied when the call starts. */
  declare readonly tools: unknown[] | undefined;
  /** The request options' `headers` (per-request credentials, kept out of the event's error). */
  declare readonly requestHeaders: unknown;
  /** Streamed calls: the usage-only chunk was asked for by tracking, so the caller must not see it. */
  declare hideUsageChunk: boolean;
  /** Streamed calls: the SDK's stream was handed to the caller, wrapped for tracking. */
  declare streamWrapped: boolean;
  /** Streamed calls: when the response headers arrived (`performance.now()`), once they have. */
  declare respondedAt: number | undefined;
  private declare ended: boolean;
  private declare requestPart: RequestPart | undefined;

  constructor(
    tracking: Tracking,
    client: object,
    operation: Operation,
    body: Record<string, unknown>,
    callOptions: PostHogCallOptions | undefined,
    hideUsageChunk: boolean,
    requestHeaders: unknown,
  ) {
    this.startedAt = performance.now();
    this.tracking = tracking;
    this.client = client;
    this.operation = operation;
    this.body = body;
    this.callOptions = callOptions;
    const context = currentContext();
    this.context = context;
    // Each trace or span around this call (the innermost and the ones around it) sends its own
    // event through this call's PostHog client, and keeps this client's credentials out of it.
    for (let scope = context?.scope; scope; scope = scope.parent) {
      scope.tracking ??= tracking;
      for (const secret of secretsOf(client)) scope.secrets.add(secret);
    }
    const privacyMode = privacyModeOf(tracking.options, context, this.callOptions?.posthogPrivacyMode);
    this.privacyMode = privacyMode;
    this.input = privacyMode ? null : operation.input(body);
    // A copy: posthog-node serializes at flush time, after the caller may have added tools to its array.
    const tools = body.tools;
    this.tools = Array.isArray(tools) && tools.length > 0 ? toolsWithoutCredentials(tools) : undefined;
    this.hideUsageChunk = hideUsageChunk;
    this.requestHeaders = requestHeaders;
    this.streamWrapped = false;
    this.respondedAt = undefined;
    this.ended = false;
    this.requestPart = undefined;
  }

  /** The request's part of the event: built once, while the request is in flight or else at the end. */
  prepare(): RequestPart {
    return (this.requestPart ??= buildRequestPart(this));
  }

  /**
   * Builds the request's part of the event once the request is on its way: the caller's event loop
   * is idle until the answer comes, and what is done then is not left to do after it, when the
   * caller is waiting.
   *
   * Two turns of the event loop after `create()`, not one: the SDK's promise turns and undici take
   * a turn of their own before the request is written (its headers on Node 22, its body on Node
   * 20), and work done in that first turn delays the request itself. Measured with undici's
   * diagnostics channels on Node 22: with one turn the request left 19 µs after the untracked
   * client's and a 50-chunk stream's first chunk came 35 µs later; with two, 10 µs (tracking's
   * setup before `create()` returns) and 5 to 10 µs.
   */
  prepareWhileWaiting(): void {
    scheduleSoon(prepareOneTurnLater, this);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get captureImmediate(): boolean {
    const fromCall = this.callOptions?.posthogCaptureImmediate;
    return typeof fromCall === 'boolean' ? fromCall : this.tracking.options.captureImmediate;
  }

  /**
   * Records the end of the call and sends its event. Returns a promise only when the event is
   * delivered immediately and the caller should wait for it (bounded); never throws.
   */
  end(outcome: CallOutcome): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    const latencySeconds = secondsBetween(this.startedAt, outcome.endedAt ?? performance.now());
    try {
      const { message, chars } = buildCallEvent(this, outcome, latencySeconds);
      return this.tracking.sink.send(message, this.captureImmediate, chars);
    } catch (error) {
      this.tracking.options.log?.('building the event failed; the call is not tracked', error);
      return undefined;
    }
  }
}
