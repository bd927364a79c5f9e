import {
  type APIPromiseLike,
  isAPIPromise,
  isStream,
  isUserAbort,
  onEachUnwrap,
  type Parser,
  type RequestProps,
  replaceRequest,
  requestOf,
  wrapParser,
} from './sdk.js';
import { trackStream } from './stream.js';
import type { CallTap } from './tap.js';

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function ignore(): void {}

/** What the SDK parsed, as the call's result: the operation reads an answer that is not a JSON object (text, a binary `Response`). */
function resultOf(tap: CallTap, data: unknown): Record<string, unknown> {
  const { operation } = tap.call;
  return operation.resultOf ? operation.resultOf(data) : asRecord(data);
}

/**
 * When the caller takes the raw `Response` (`asResponse()`), the SDK never parses the body, so the
 * call is tracked from a clone: the caller's body stays unread and readable.
 */
function trackFromCopy(response: Response, tap: CallTap): void {
  if (response.bodyUsed) return; // the SDK is parsing it (withResponse): tracked from the parsed data
  let copy: Response;
  try {
    copy = response.clone();
  } catch {
    return;
  }
  copy.json().then(
    (data: unknown) => tap.call.end({ result: asRecord(data), response }),
    () => tap.call.end({ result: {}, response }),
  );
}

/**
 * A streamed call whose raw `Response` the caller took: its body is theirs, and reading a copy
 * would download the stream in the background. It is tracked as not read by us, unless the SDK
 * also parses it (`withResponse()` asks for the raw response too): that is seen within the same
 * turn of the event loop, so the decision waits for the next one.
 */
function trackRawStream(response: Response, tap: CallTap): void {
  setTimeout(() => {
    if (!tap.streamHandedOver) tap.call.end({ response, stream: { ending: 'not_read', firstContentAt: undefined } });
  }, 0);
}

/** Ends the call with a parse failure, and rejects with the same error: with `captureImmediate`, once the event is delivered. */
function failedParse(error: unknown, props: RequestProps | undefined, tap: CallTap): Promise<never> {
  const delivery = tap.call.end({ error, response: props?.response });
  if (delivery && tap.call.captureImmediate) {
    return delivery.then(() => {
      throw error;
    });
  }
  return Promise.reject(error);
}

/**
 * A 2xx answer whose body the SDK cannot parse (not JSON despite a JSON content type, or cut off
 * while it is read) rejects the caller's promise although the request succeeded. Seen in the
 * SDK's own parser, which runs only when someone awaits or unwraps the promise (never for
 * `asResponse()`, whose body stays unread). The caller gets the very same rejection.
 */
function observeParseFailure(promise: APIPromiseLike, tap: CallTap): void {
  wrapParser(
    promise,
    (sdkParse): Parser =>
      function parseResponse(this: unknown, client, props) {
        const parsed = sdkParse.call(this, client, props);
        return parsed instanceof Promise ? parsed.then(undefined, (error: unknown) => failedParse(error, props, tap)) : parsed;
      },
  );
}

/**
 * openai 7: what a helper unwraps the tapped promise to (`chat.completions.parse()`) is observed
 * the same way, and reads the tapped promise's request (the one that rejects once a failure is
 * observed): one rejection for the whole chain, as without tracking.
 */
function observeUnwrapping(promise: APIPromiseLike, tap: CallTap): void {
  onEachUnwrap(promise, (unwrapped) => {
    const request = requestOf(promise);
    if (request) replaceRequest(unwrapped, request);
    observeParseFailure(unwrapped, tap);
    observeUnwrapping(unwrapped, tap);
  });
}

/** What the caller's promise reads instead of a failed request, when there is something (a request sent again, see stream-usage.ts). */
export type Retry = (error: unknown) => Promise<unknown> | undefined;

/**
 * The request promise the caller's chain reads from now on, the one observer of the SDK's request:
 *
 * - a failure settles as the SDK's own does, after tracking has seen it, and rejects with the SDK's
 *   very error object, handled or not exactly as the caller's code makes it: a failing call nobody
 *   awaits is an unhandled rejection, as it is without tracking (in openai 5, 6 and 7 that
 *   rejection is the request promise's, not the `APIPromise`'s, which always resolves). With
 *   `captureImmediate`, a failed request (HTTP error, connection error, timeout, abort) reaches the
 *   caller once its event is delivered, at most `immediateTimeoutMs` later, as a success does: a
 *   serverless function that catches the error and returns must not lose the event;
 * - `retry` may give a request to read instead of the failed one (its failure is observed the same way);
 * - a streamed call's answer arriving is told to its watch (unread.ts).
 */
function observeRequest(request: Promise<unknown>, tap: CallTap, streamed: boolean, endWithFailure: (error: unknown) => Promise<void> | undefined, retry: Retry | undefined): Promise<unknown> {
  const failed = (error: unknown): never | Promise<never> => {
    const rethrow = (): never => {
      throw error;
    };
    let delivery: Promise<void> | undefined;
    try {
      tap.requestWatch?.release();
      delivery = endWithFailure(error);
    } catch (trackingError) {
      // Never the caller's problem: they get the SDK's error as it is.
      tap.call.options.log?.('could not observe the failed request', trackingError);
    }
    return delivery && tap.call.captureImmediate ? delivery.then(rethrow, rethrow) : rethrow();
  };
  const responded = streamed
    ? (props: unknown): unknown => {
        tap.respondedAt = performance.now();
        tap.requestWatch?.responded(props);
        return props;
      }
    : undefined;
  const onFailure = (error: unknown): unknown => {
    let instead: Promise<unknown> | undefined;
    try {
      instead = retry?.(error);
    } catch (trackingError) {
      tap.call.options.log?.('could not send the request again', trackingError);
    }
    return instead ? instead.then(responded, failed) : failed(error);
  };
  return request.then(responded, onFailure);
}

/** What the SDK parsed for the caller: a stream is handed over wrapped, anything else ends the call. */
function observeParsed(data: unknown, props: RequestProps | undefined, tap: CallTap): unknown {
  try {
    if (isStream(data) && tap.call.operation.accumulateStream) {
      tap.streamHandedOver = true;
      return trackStream(data, tap, props?.response);
    }
    const delivery = tap.call.end({ result: resultOf(tap, data), response: props?.response });
    return delivery ? delivery.then(() => data) : data;
  } catch (error) {
    // Never the caller's problem: they get the SDK's data as it is.
    tap.call.options.log?.('could not observe the parsed response', error);
    return data;
  }
}

/**
 * The promise to hand the caller, seeing what the SDK parses for them (no second parse, no clone):
 * the SDK's own `APIPromise` with its parser wrapped, where unwrapping reads the promise's fields
 * (openai 5 and 6, whose helpers like `chat.completions.parse()` go through the same parser); else
 * one the SDK makes by unwrapping it (openai 7), whose own unwrapping is observed too.
 */
function tapParsing(promise: APIPromiseLike, tap: CallTap, unwrapsThroughFields: boolean): APIPromiseLike {
  if (unwrapsThroughFields) {
    wrapParser(
      promise,
      (sdkParse): Parser =>
        function parseResponse(this: unknown, client, props) {
          return Promise.resolve(sdkParse.call(this, client, props)).then(
            (data) => observeParsed(data, props, tap),
            (error: unknown) => failedParse(error, props, tap),
          );
        },
    );
    return promise;
  }
  const tapped = promise._thenUnwrap((data, props) => observeParsed(data, props, tap));
  observeParseFailure(tapped, tap);
  observeUnwrapping(tapped, tap);
  return tapped;
}

/**
 * Observes what `create()` returned without changing what the caller sees: `withResponse()`,
 * `asResponse()`, `_request_id` and lazy parsing all behave as without tracking.
 *
 * - success: seen when the SDK parses the body for the caller;
 * - failure: the request promise rejects with the SDK's own error object, which is only read, and
 *   is handled only by whoever handles it without tracking (see `observeRequest`);
 * - `asResponse()`: tracked from a clone of the response.
 *
 * `unwrapsThroughFields`: whether the promise's `_thenUnwrap` reads its fields (see sdk.ts).
 */
export function tapAPIPromise<T>(promise: T, tap: CallTap, unwrapsThroughFields: boolean, retry?: Retry): T {
  const { call } = tap;
  if (!isAPIPromise(promise)) {
    // Not the SDK's APIPromise (a user subclass?): observe without touching the value.
    if (promise instanceof Promise) {
      promise.then(
        (data) => call.end({ result: resultOf(tap, data) }),
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
  const tapped = tapParsing(promise, tap, unwrapsThroughFields);
  const request = requestOf(tapped);
  if (request) replaceRequest(tapped, observeRequest(request, tap, streamed, endWithFailure, retry));
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
          if (streamed) trackRawStream(raw, tap);
          // A binary answer (speech) is the caller's alone: described from its headers, never copied.
          else if (call.operation.binaryResponse) call.end({ result: resultOf(tap, raw), response: raw });
          else trackFromCopy(raw, tap);
        } catch (error) {
          call.options.log?.('could not observe the raw response', error);
        }
        return raw;
      });
    },
  });
  return tapped as T;
}
