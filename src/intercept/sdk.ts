/**
 * Everything tracking relies on inside the `openai` SDK, and nothing else: the only file to read
 * (and to change) for a new SDK major. The rest of `intercept/` goes through these functions.
 *
 * The contract, as openai 5, 6 and 7 keep it:
 *
 * 1. A resource method (`chat.completions.create(body, options)`) returns an `APIPromise`, a
 *    `Promise` subclass with `asResponse()`, `withResponse()` and `_thenUnwrap(transform)`, and two
 *    instance fields read lazily by all of them:
 *    - `responsePromise`: the request in flight, resolving to `{ response, ... }` after retries, or
 *      rejecting with the SDK's error (an `APIError`, or `APIUserAbortError` on abort);
 *    - `parseResponse(client, props)`: the body parser, run once by whoever first awaits or unwraps.
 * 2. openai 5 and 6 define `_thenUnwrap` on the prototype, so it reads both fields. openai 7 gives
 *    each promise its own `_thenUnwrap` and `withResponse`, which read the request and parser the
 *    promise was made with. Which kind a promise is, is found once per `APIPromise` class.
 * 3. A streamed call parses to a `Stream`: async-iterable, with `controller` (an `AbortController`),
 *    `tee()` and `toReadableStream()`, and a constructor `new Stream(iterator, controller, client)`.
 * 4. Resources reach their client through `_client`: the SDK's helpers (`parse`, `stream`,
 *    `runTools`) make their requests with `this._client.<resource>.create(...)`.
 * 5. The client's `withOptions()` makes a new client from the same options.
 * 6. `responses.retrieve(id, query, options)` and `responses.cancel(id, options)` name the
 *    response by its id, first; `retrieve` streams the response's events when `query.stream` is
 *    true, and `responses.stream({ response_id })` resumes a stream through
 *    `this._client.responses.retrieve(id, { stream: true })`, so through the tracked client.
 * 7. Budgets (see `requestWithGate`): a resource method spreads its request options (`{ body,
 *    ...options }`, own symbol keys included) into the options the client's `makeRequest` reads,
 *    and `makeRequest` awaits `this.prepareOptions(options)` before it builds the request and
 *    before `fetch`, outside its retry and connection-error handling: what `prepareOptions`
 *    throws rejects the call's request as it is, not retried, and nothing is sent. Checked in
 *    openai 5.0.0, 5.23.2, 6.0.0, 6.49.0, 7.0.0 and 7.57.0 (7.57 resolves the options through
 *    a promise first, and spreads them the same way).
 * 8. A request is aborted by a call of its `AbortController`'s `abort()` method on the controller:
 *    the caller's `stream.controller.abort()`, the request's `signal` option and its timeout
 *    (`fetchWithTimeout`), and the stream itself when the caller stops reading early. Except that
 *    openai 7.57 and later compose the request's `signal` option with the controller's own signal
 *    (`AbortSignal.any`, set as the controller's own `signal`), which that option then aborts
 *    without `abort()`.
 */
import { APIUserAbortError } from 'openai';

/** The SDK's `APIPromise`, as far as tracking uses it. */
export interface APIPromiseLike<T = unknown> extends Promise<T> {
  asResponse(): Promise<Response>;
  _thenUnwrap<U>(transform: (data: T, props: RequestProps) => U): APIPromiseLike<U>;
  parseResponse?: (client: unknown, props: RequestProps) => unknown;
  responsePromise?: Promise<unknown>;
}

/** What the request promise resolves to (the parts tracking reads). */
export interface RequestProps {
  response?: Response;
}

/** The SDK's `Stream`, as far as tracking uses it. */
export interface StreamLike<Item = unknown> extends AsyncIterable<Item> {
  controller: AbortController;
  tee(): unknown;
  toReadableStream(): unknown;
}

type StreamConstructor = new (iterator: () => AsyncIterator<unknown>, controller: AbortController, client?: unknown) => StreamLike;

export function isAPIPromise(value: unknown): value is APIPromiseLike {
  return (
    value instanceof Promise &&
    typeof (value as APIPromiseLike)._thenUnwrap === 'function' &&
    typeof (value as APIPromiseLike).asResponse === 'function'
  );
}

/**
 * How an `APIPromise` class unwraps: `'fields'` when its `_thenUnwrap` reads the promise's
 * `responsePromise` and `parseResponse` (openai 5 and 6), `'own'` when each promise has its own
 * (openai 7). Found on the first promise of each class.
 */
const unwrapKinds = new WeakMap<object, 'fields' | 'own'>();

export function unwrapKindOf(promise: APIPromiseLike): 'fields' | 'own' {
  const type = promise.constructor as object;
  let kind = unwrapKinds.get(type);
  if (kind === undefined) {
    const own = Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap');
    kind = !own && typeof promise.parseResponse === 'function' ? 'fields' : 'own';
    unwrapKinds.set(type, kind);
  }
  return kind;
}

/** The request in flight of an `APIPromise` (its `responsePromise`), or undefined. */
export function requestOf(promise: unknown): Promise<unknown> | undefined {
  if (promise === null || typeof promise !== 'object') return undefined;
  const request = (promise as APIPromiseLike).responsePromise;
  return request instanceof Promise ? request : undefined;
}

/** Makes the promise (and every way of reading it: `then`, `asResponse()`, `withResponse()`, helpers) read `request`. */
export function replaceRequest(promise: APIPromiseLike, request: Promise<unknown>): void {
  promise.responsePromise = request;
}

/**
 * Makes an openai 7 promise read its fields as openai 5 and 6 do, by removing its own
 * `_thenUnwrap` and `withResponse` (which read the request it was made with): the prototype's
 * serve instead. Returns false when they can't be removed.
 */
export function readThroughFields(promise: APIPromiseLike): boolean {
  for (const own of ['_thenUnwrap', 'withResponse']) {
    if (Object.prototype.hasOwnProperty.call(promise, own) && !Reflect.deleteProperty(promise, own)) return false;
  }
  return true;
}

/** The SDK's body parser: called with the promise as `this`. */
export type Parser = (this: unknown, client: unknown, props: RequestProps) => unknown;

/** Replaces the promise's body parser by `wrap(sdkParser)`; false when it has none. */
export function wrapParser(promise: APIPromiseLike, wrap: (sdkParse: Parser) => Parser): boolean {
  const sdkParse = promise.parseResponse as Parser | undefined;
  if (typeof sdkParse !== 'function') return false;
  promise.parseResponse = wrap(sdkParse);
  return true;
}

/**
 * openai 7: wraps the promise's own `_thenUnwrap`, so that each promise it makes (a helper's, like
 * `chat.completions.parse()`) is passed to `onUnwrapped` before anyone reads it.
 */
export function onEachUnwrap(promise: APIPromiseLike, onUnwrapped: (unwrapped: APIPromiseLike) => void): void {
  if (!Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap')) return;
  const sdkThenUnwrap = promise._thenUnwrap;
  promise._thenUnwrap = function _thenUnwrap(this: unknown, transform) {
    const unwrapped = sdkThenUnwrap.call(this, transform);
    onUnwrapped(unwrapped);
    return unwrapped;
  } as APIPromiseLike['_thenUnwrap'];
}

/** The SDK's `APIUserAbortError`, from either build of the SDK (ESM and CJS are different classes). */
export function isUserAbort(error: unknown): boolean {
  if (error instanceof APIUserAbortError) return true;
  for (let proto = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null; proto; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: unknown } }).constructor?.name === 'APIUserAbortError') return true;
  }
  return false;
}

/** The signal an `AbortController` made itself, whatever its `signal` property was set to; undefined when it can't be read. */
function ownSignalOf(controller: AbortController): AbortSignal | undefined {
  try {
    return Reflect.get(AbortController.prototype, 'signal', controller) as AbortSignal;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onAbort` once the request is aborted, whoever aborts it (point 8): after each `abort()` of
 * its controller, through an own `abort` of the controller, which is far cheaper for Node than a
 * listener on its signal (docs/performance.md, "The abort listener"). A listener on the signal the
 * request uses when that is not the controller's own (the request's `signal` option composed
 * into it), or when the controller can't take an own `abort` (frozen). `onAbort` never throws out.
 */
export function afterEachAbort(controller: AbortController, onAbort: () => void): void {
  const safely = (): void => {
    try {
      onAbort();
    } catch {
      // Tracking's own problem: the caller's abort returns as the SDK's does.
    }
  };
  const { signal } = controller;
  const sdkAbort = controller.abort;
  const wrapped =
    signal === ownSignalOf(controller) &&
    Reflect.defineProperty(controller, 'abort', {
      value: function abort(this: AbortController, ...args: unknown[]): void {
        Reflect.apply(sdkAbort, this, args);
        safely();
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  if (!wrapped) signal.addEventListener('abort', safely, { once: true });
}

/** Whether a parsed result is the SDK's `Stream`. */
export function isStream(value: unknown): value is StreamLike {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as StreamLike)[Symbol.asyncIterator] === 'function' &&
    typeof (value as StreamLike).tee === 'function' &&
    (value as StreamLike).controller instanceof AbortController
  );
}

/** A new `Stream` of the SDK's own class over the same controller, whose items come from `iterator`. */
export function restream<S extends StreamLike>(stream: S, iterator: () => AsyncIterator<unknown>, client: object): S {
  const StreamClass = stream.constructor as StreamConstructor;
  return new StreamClass(iterator, stream.controller, client) as S;
}

/**
 * Runs a helper that reads its resource's `_client` with the tracked client there instead, for the
 * helper's synchronous part (where the SDK's helpers read it). False when `_client` can't be set.
 */
export function withResourceClient<R>(resource: object, client: object, run: () => R): { ran: true; result: R } | { ran: false } {
  const before = Reflect.get(resource, '_client') as unknown;
  if (!Reflect.set(resource, '_client', client)) return { ran: false };
  try {
    return { ran: true, result: run() };
  } finally {
    Reflect.set(resource, '_client', before);
  }
}

/** The id a `retrieve(id, ...)` or `cancel(id, ...)` call names, or undefined. */
export function followedIdOf(args: readonly unknown[]): string | undefined {
  return typeof args[0] === 'string' ? args[0] : undefined;
}

/** Whether a `retrieve(id, query)` asks for the response's events as a stream (never throws). */
export function asksForStream(args: readonly unknown[]): boolean {
  const query = args[1];
  if (query === null || typeof query !== 'object') return false;
  try {
    return (query as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/** The request option that carries a call's budget check; `Symbol.for`, so that both builds of this library share it. */
const GATE = Symbol.for('tracked-openai.budget-gate.v1');
/** Marks a client whose `prepareOptions` waits for the gate. */
const GATED = Symbol.for('tracked-openai.budget-gated.v1');

type PrepareOptions = (this: unknown, options: unknown) => unknown;

/**
 * Makes the client's `prepareOptions` wait for a request's gate, when the request has one, and
 * throw what it settles to: an own, non-enumerable property of the client, installed once; every
 * request without a gate (untracked calls, other resources) runs the SDK's own as before.
 */
function gateClient(client: object): boolean {
  if (Object.prototype.hasOwnProperty.call(client, GATED)) return true;
  const sdkPrepare = (client as { prepareOptions?: unknown }).prepareOptions;
  if (typeof sdkPrepare !== 'function') return false;
  try {
    Object.defineProperty(client, 'prepareOptions', {
      value: async function prepareOptions(this: unknown, options: unknown) {
        const gate = options !== null && typeof options === 'object' ? (options as Record<symbol, unknown>)[GATE] : undefined;
        if (gate instanceof Promise) {
          const blocked: unknown = await gate;
          if (blocked) throw blocked;
        }
        return (sdkPrepare as PrepareOptions).call(this, options);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
    Object.defineProperty(client, GATED, { value: true, enumerable: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * The arguments of `create(body, options)` with `gate` in a copy of the request options: the SDK
 * sends nothing until the gate settles, and rejects the call with what it settles to (an error),
 * if anything. Undefined when the client or the options can't carry it (a frozen client, options
 * that are not an object).
 */
export function requestWithGate(client: object, args: readonly unknown[], gate: Promise<unknown>): readonly unknown[] | undefined {
  const options = args[1];
  if (options !== undefined && (options === null || typeof options !== 'object' || typeof (options as { then?: unknown }).then === 'function')) return undefined;
  if (!gateClient(client)) return undefined;
  return [args[0], { ...(options as object | undefined), [GATE]: gate }, ...args.slice(2)];
}
