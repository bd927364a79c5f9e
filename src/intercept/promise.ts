import type { TrackedCall } from '../call.js';
import { isStream, trackStream } from './stream.js';

/** The parts of the SDK's `APIPromise` we rely on (stable across openai 5, 6 and 7). */
interface APIPromiseLike<T = unknown> extends Promise<T> {
  asResponse(): Promise<Response>;
  _thenUnwrap<U>(transform: (data: T, props: { response?: Response }) => U): APIPromiseLike<U>;
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
 * Observes an `APIPromise` without changing what the caller sees. The caller gets an `APIPromise`
 * made by the SDK itself (`_thenUnwrap` over the same in-flight request), so `withResponse()`,
 * `asResponse()`, `_request_id` and lazy parsing all behave as without tracking.
 *
 * - success: seen when the SDK parses the body for the caller (no second parse, no clone);
 * - failure: the request promise rejects with the SDK's own error object, which is only read;
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

  // A stream request that fails before its first chunk (429, 500, connection error) still says how its stream ended.
  const failedStream = call.body.stream === true ? { ending: 'error' as const, firstContentAt: undefined } : undefined;
  promise.asResponse().then(ignore, (error: unknown) => call.end({ error, stream: failedStream }));

  const tapped = promise._thenUnwrap((data, props) => {
    if (isStream(data) && call.operation.accumulateStream) {
      call.streamWrapped = true;
      return trackStream(data, call, props?.response, call.hideUsageChunk);
    }
    const delivery = call.end({ result: asRecord(data), response: props?.response });
    return delivery ? delivery.then(() => data) : data;
  });

  const sdkAsResponse = tapped.asResponse;
  Object.defineProperty(tapped, 'asResponse', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function asResponse(this: APIPromiseLike): Promise<Response> {
      const response = sdkAsResponse.call(this);
      response.then((raw) => (call.body.stream === true ? trackRawStream(raw, call) : trackFromCopy(raw, call)), ignore);
      return response;
    },
  });
  return tapped as T;
}
