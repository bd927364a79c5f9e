import { APIUserAbortError } from 'openai';
import type { TrackedCall } from '../call.js';
import { isStream, trackStream } from './stream.js';

/** The parts of the SDK's `APIPromise` we rely on (stable across openai 5, 6 and 7). */
interface APIPromiseLike<T = unknown> extends Promise<T> {
  asResponse(): Promise<Response>;
  _thenUnwrap<U>(transform: (data: T, props: { response?: Response }) => U): APIPromiseLike<U>;
  /** The SDK's lazy body parser (an instance field): run once, by whoever first awaits or unwraps. */
  parseResponse?: (client: unknown, props: { response?: Response }) => unknown;
  /** The in-flight request (an instance field): what `parse()`, `asResponse()` and `_thenUnwrap` read. */
  responsePromise?: Promise<unknown>;
}

function isAPIPromise(value: unknown): value is APIPromiseLike {
  return (
    value instanceof Promise &&
    typeof (value as APIPromiseLike)._thenUnwrap === 'function' &&
    typeof (value as APIPromiseLike).asResponse === 'function'
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function ignore(): void {}

/** The SDK's `APIUserAbortError`, from either build of the SDK (ESM and CJS are different classes). */
function isUserAbort(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return true;
  for (let proto = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === 'APIUserAbortError') return true;
  }
  return false;
}

/**
 * When the caller takes the raw `Response` (`asResponse()`), the SDK never parses the body, so the
 * call is tracked from a clone: the caller's body stays unread and readable.
 */
function trackFromCopy(response: Response, call: TrackedCall): void {
  if (response.bodyUsed) return; // the SDK is parsing it (withResponse): tracked from the parsed data
  let copy: Response;
  try {
    copy = response.clone();
  } catch {
    return;
  }
  copy.json().then(
    (data: unknown) => call.end({ result: asRecord(data), response }),
    () => call.end({ result: {}, response }),
  );
}

/**
 * A streamed call whose raw `Response` the caller took: its body is theirs, and reading a copy
 * would download the stream in the background. It is tracked as not read by us, unless the SDK
 * also parses it (`withResponse()` asks for the raw response too): that is seen within the same
 * turn of the event loop, so the decision waits for the next one.
 */
function trackRawStream(response: Response, call: TrackedCall): void {
  setTimeout(() => {
    if (!call.streamWrapped) call.end({ response, stream: { ending: 'not_read', firstContentAt: undefined } });
  }, 0);
}

/**
 * A 2xx answer whose body the SDK cannot parse (not JSON despite a JSON content type, or cut off
 * while it is read) rejects the caller's promise although the request succeeded: the transform
 * never runs and the request promise resolved. Seen here, in the SDK's own parser of the tapped
 * promise, which runs only when someone awaits or unwraps it (never for `asResponse()`, whose body
 * stays unread). The caller gets the very same rejection; with `captureImmediate`, once the event
 * is delivered (bounded).
 */
function observeParseFailure(tapped: APIPromiseLike, call: TrackedCall): void {
  const sdkParse = tapped.parseResponse;
  if (typeof sdkParse !== 'function') return;
  tapped.parseResponse = function parseResponse(this: unknown, client, props) {
    const parsed = sdkParse.call(this, client, props);
    if (!(parsed instanceof Promise)) return parsed;
    return parsed.then(undefined, (error: unknown) => failedParse(error, props, call));
  };
}

/** Ends the call with a parse failure, and rejects with the same error: with `captureImmediate`, once the event is delivered. */
function failedParse(error: unknown, props: { response?: Response } | undefined, call: TrackedCall): Promise<never> {
  const delivery = call.end({ error, response: props?.response });
  if (delivery && call.captureImmediate) {
    return delivery.then(() => {
      throw error;
    });
  }
  return Promise.reject(error);
}

/**
 * openai 7 gives each `APIPromise` its own `_thenUnwrap`, which goes to the request and its parser
 * directly rather than through the promise's `responsePromise` and `parseResponse`: a helper that
 * unwraps the tapped promise (`chat.completions.parse()`) would fail unseen, and with
 * `captureImmediate` reject before the failure's event is delivered. What it unwraps to is
 * observed the same way as the tapped promise, and reads the tapped promise's request promise (the
 * one that rejects once the failure is observed): one rejection for the whole chain, as without
 * tracking, so an unwrapped promise the caller never awaits rejects unhandled once, not twice.
 */
function observeUnwrapping(tapped: APIPromiseLike, call: TrackedCall): void {
  if (!Object.prototype.hasOwnProperty.call(tapped, '_thenUnwrap')) return; // openai 5 and 6: the prototype's, which goes through both
  const sdkThenUnwrap = tapped._thenUnwrap;
  tapped._thenUnwrap = function _thenUnwrap(this: unknown, transform) {
    const unwrapped = sdkThenUnwrap.call(this, transform);
    if (tapped.responsePromise instanceof Promise) unwrapped.responsePromise = tapped.responsePromise;
    observeParseFailure(unwrapped, call);
    observeUnwrapping(unwrapped, call);
    return unwrapped;
  } as APIPromiseLike['_thenUnwrap'];
}

/**
 * The request promise the caller's chain reads from now on (`then`, `parse()`, `asResponse()`,
 * `withResponse()`, `_thenUnwrap`): it settles as the SDK's own does, after tracking has seen a
 * failure. The SDK's own request promise is handled here, and this one rejects with the SDK's
 * very error object, handled or not exactly as the caller's code makes it: a call the caller
 * awaits or catches is handled, a failing call nobody awaits is an unhandled rejection, as it is
 * without tracking (in openai 5, 6 and 7 that rejection is the request promise's, not the
 * `APIPromise`'s, which always resolves).
 *
 * With `captureImmediate`, a failed request (HTTP error, connection error, timeout, abort) reaches
 * the caller once its event is delivered, at most `immediateTimeoutMs` later, as a success does:
 * a serverless function that catches the error and returns must not lose the event.
 */
function observeRequest(
  request: Promise<unknown>,
  call: TrackedCall,
  endWithFailure: (error: unknown) => Promise<void> | undefined,
): Promise<unknown> {
  return request.then(undefined, (error: unknown) => {
    const rethrow = (): never => {
      throw error;
    };
    let delivery: Promise<void> | undefined;
    try {
      delivery = endWithFailure(error);
    } catch (trackingError) {
      // Never the caller's problem: they get the SDK's error as it is.
      call.tracking.options.log?.('could not observe the failed request', trackingError);
    }
    return delivery && call.captureImmediate ? delivery.then(rethrow, rethrow) : rethrow();
  });
}

/** What the SDK parsed for the caller: a stream is handed over wrapped, anything else ends the call. */
function observeParsed(data: unknown, props: { response?: Response } | undefined, call: TrackedCall): unknown {
  try {
    if (isStream(data) && call.operation.accumulateStream) {
      call.streamWrapped = true;
      return trackStream(data, call, props?.response, call.hideUsageChunk);
    }
    const delivery = call.end({ result: asRecord(data), response: props?.response });
    return delivery ? delivery.then(() => data) : data;
  } catch (error) {
    // Never the caller's problem: they get the SDK's data as it is.
    call.tracking.options.log?.('could not observe the parsed response', error);
    return data;
  }
}

/**
 * openai 5 and 6: the caller gets the SDK's own `APIPromise`, whose body parser is wrapped (an
 * instance field, read by `parse()`, `withResponse()` and the prototype's `_thenUnwrap`, so helpers
 * like `chat.completions.parse()` go through it too). No second promise, no extra parsing layer:
 * - success: seen when the SDK parses the body for the caller (no second parse, no clone);
 * - a body that fails to parse: the caller gets the very same rejection (with `captureImmediate`,
 *   once the event is delivered, bounded).
 */
function tapInPlace(promise: APIPromiseLike, call: TrackedCall): APIPromiseLike {
  const sdkParse = promise.parseResponse!;
  promise.parseResponse = function parseResponse(this: unknown, client, props) {
    return Promise.resolve(sdkParse.call(this, client, props)).then(
      (data) => observeParsed(data, props, call),
      (error: unknown) => failedParse(error, props, call),
    );
  };
  return promise;
}

/**
 * openai 7: each `APIPromise` has its own `_thenUnwrap`, which goes to the SDK's parser directly, not
 * through the promise's `parseResponse`. The caller gets an `APIPromise` made by the SDK itself
 * (`_thenUnwrap` over the same in-flight request), whose unwrapping is observed too.
 */
function tapByUnwrapping(promise: APIPromiseLike, call: TrackedCall): APIPromiseLike {
  const tapped = promise._thenUnwrap((data, props) => observeParsed(data, props, call));
  observeParseFailure(tapped, call);
  observeUnwrapping(tapped, call);
  return tapped;
}

/**
 * Observes an `APIPromise` without changing what the caller sees: `withResponse()`, `asResponse()`,
 * `_request_id` and lazy parsing all behave as without tracking.
 *
 * - success: seen when the SDK parses the body for the caller;
 * - failure: the request promise rejects with the SDK's own error object, which is only read, and
 *   is handled only by whoever handles it without tracking: a failing call nobody awaits is still
 *   an unhandled rejection, with the same error (see `observeRequest`);
 * - `asResponse()`: tracked from a clone of the response.
 */
export function tapAPIPromise<T>(promise: T, call: TrackedCall): T {
  if (!isAPIPromise(promise)) {
    // Not the SDK's APIPromise (a user subclass?): observe without touching the value.
    if (promise instanceof Promise) {
      promise.then(
        (data) => call.end({ result: asRecord(data) }),
        (error: unknown) => call.end({ error }),
      );
    }
    return promise;
  }

  // A stream request that fails before its first chunk (429, 500, connection error) still says how
  // its stream ended. A call the caller aborted before its answer is aborted, not an error, as an
  // abort mid-stream is.
  const streamed = call.body.stream === true;
  let failureDelivery: Promise<void> | undefined;
  const endWithFailure = (error: unknown): Promise<void> | undefined => {
    if (failureDelivery) return failureDelivery;
    const aborted = isUserAbort(error);
    const stream = streamed ? { ending: aborted ? ('aborted' as const) : ('error' as const), firstContentAt: undefined } : undefined;
    return (failureDelivery = call.end(aborted ? { aborted, stream } : { error, stream }));
  };
  const inPlace =
    typeof promise.parseResponse === 'function' && !Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap');
  const tapped = inPlace ? tapInPlace(promise, call) : tapByUnwrapping(promise, call);
  // The SDK's request promise is what rejects unhandled when a failing call is never awaited: the
  // caller's chain reads a promise that rejects the same way once tracking has seen the failure,
  // never one that tracking handled for them.
  const request = tapped.responsePromise;
  if (request instanceof Promise) tapped.responsePromise = observeRequest(request, call, endWithFailure);
  else promise.asResponse().then(ignore, endWithFailure);

  const sdkAsResponse = tapped.asResponse;
  Object.defineProperty(tapped, 'asResponse', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function asResponse(this: APIPromiseLike): Promise<Response> {
      // The caller gets a promise of the same Response that rejects with the same error, unhandled
      // if they never await it, as the SDK's own would.
      return sdkAsResponse.call(this).then((raw) => {
        try {
          if (call.body.stream === true) trackRawStream(raw, call);
          else trackFromCopy(raw, call);
        } catch (error) {
          call.tracking.options.log?.('could not observe the raw response', error);
        }
        return raw;
      });
    },
  });
  return tapped as T;
}
