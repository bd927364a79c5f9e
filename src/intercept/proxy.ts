import { splitCallOptions } from '../call-options.js';
import { TrackedCall } from '../call.js';
import { rememberSecretsOf } from '../events/credentials.js';
import type { Operation } from '../operations/operation.js';
import { endpointOf } from '../provider.js';
import type { Tracking } from '../tracking.js';
import { mergeRecords } from '../records.js';
import { CLIENT_NODE, type PathNode } from './method-table.js';
import { tapAPIPromise } from './promise.js';
import { recoverFromRejectedUsage, rejectsStreamUsage } from './stream-usage.js';
import { requestOf, watchUnreadRequest } from './unread.js';

/**
 * A tracked proxy answers this key with the object it wraps. `Symbol.for` so that the ESM and the
 * CJS copies of this library (both loaded in one process) recognise each other's proxies.
 */
const RAW_CLIENT = Symbol.for('tracked-openai.raw-client');

/** The untracked client behind a tracked one, or undefined when `value` is not tracked. */
export function untrackedClientOf(value: object): object | undefined {
  return (value as Record<symbol, object | undefined>)[RAW_CLIENT];
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/**
 * The `stream_options` to send so that a stream reports its usage, or undefined to send the
 * caller's as they are: when they set `include_usage` themselves (either way, their decision), or
 * gave something other than an object (`null`: theirs too). Options that say nothing about the
 * usage (none, or `{ include_obfuscation: false }`) are copied with `include_usage: true` added.
 */
function withUsageAsked(streamOptions: unknown): Record<string, unknown> | undefined {
  if (streamOptions === undefined) return { include_usage: true };
  if (streamOptions === null || typeof streamOptions !== 'object' || Array.isArray(streamOptions)) return undefined;
  if ((streamOptions as Record<string, unknown>).include_usage !== undefined) return undefined;
  const asked = mergeRecords(streamOptions as Record<string, unknown>);
  asked.include_usage = true;
  return asked;
}

/**
 * A tracked `create`, as the `apply` of a function proxy over the SDK's own method: splits off our
 * per-call options, calls the method on the SDK's own object, observes the result.
 */
function trackedMethod(tracking: Tracking, resource: object, operation: Operation, client: object): ApplyTrap {
  return function trackedCreate(method, _thisArg, args) {
    let split;
    try {
      split = splitCallOptions(args[0], tracking.options.log);
    } catch (error) {
      // A body whose properties can't be read (a throwing getter): let the SDK meet it as it would.
      tracking.options.log?.('could not read the request body; this call is not tracked', error);
      return Reflect.apply(method, resource, args);
    }
    if (split.callOptions) args[0] = split.body;
    const body = split.body as Record<string, unknown>;
    if (body === null || typeof body !== 'object') return Reflect.apply(method, resource, args);
    let hideUsageChunk = false;
    const streamed = body.stream === true;
    if (streamed) {
      if (!operation.accumulateStream) return Reflect.apply(method, resource, args);
      try {
        const asked = operation.streamUsageOnRequest && tracking.options.includeStreamUsage && !rejectsStreamUsage(endpointOf(client).baseURL);
        const streamOptions = asked ? withUsageAsked(body.stream_options) : undefined;
        if (streamOptions) {
          // Without this, chat and legacy completion streams report no token usage at all.
          const sent = mergeRecords(body);
          sent.stream_options = streamOptions;
          args[0] = sent;
          hideUsageChunk = true;
        }
      } catch (error) {
        // A body whose properties can't all be read (a throwing getter), which the copy reads now
        // and the SDK only when it sends (or never: symbol keys): the SDK gets the body as it is,
        // and meets it as it would. The call is still tracked, without the usage.
        tracking.options.log?.("could not copy the request body to ask for the stream's usage; this call is tracked without token counts", error);
      }
    }

    let call: TrackedCall | undefined;
    try {
      const requestOptions = args[1];
      const requestHeaders = requestOptions !== null && typeof requestOptions === 'object' ? (requestOptions as { headers?: unknown }).headers : undefined;
      call = new TrackedCall(tracking, client, operation, body, split.callOptions, hideUsageChunk, requestHeaders);
    } catch (error) {
      tracking.options.log?.('could not start tracking this call', error);
    }
    const result = Reflect.apply(method, resource, args);
    if (!call) return result;
    try {
      if (hideUsageChunk) {
        const resendAsWritten = () => Reflect.apply(method, resource, [body, ...args.slice(1)]);
        recoverFromRejectedUsage(result, resendAsWritten, call, endpointOf(client).baseURL);
      }
      // The SDK's own request promise, before tapping may hand the caller another one.
      const request = streamed ? requestOf(result) : undefined;
      const tapped = tapAPIPromise(result, call);
      call.prepareWhileWaiting();
      // A streamed call whose promise is never awaited still gets its event (issue 15).
      if (streamed) watchUnreadRequest(tapped as object, request, call);
      return tapped;
    } catch (error) {
      tracking.options.log?.('could not observe this call', error);
      return result;
    }
  };
}

type ApplyTrap = (fn: AnyFunction, thisArg: unknown, args: unknown[]) => unknown;

/** Our views of the SDK's functions → the function each is a view of. */
const viewed = new WeakMap<object, unknown>();

/**
 * A view of one of the SDK's functions that calls it our way (on the SDK's own object, tracked)
 * and is otherwise the function itself: its `name`, `length` and own properties (a jest or vitest
 * mock's `.mock`, `mockResolvedValue`) read through.
 */
function viewOf(fn: AnyFunction, apply: ApplyTrap): AnyFunction {
  const view = new Proxy(fn, { apply });
  viewed.set(view, fn);
  return view;
}

/** What to store when a caller assigns `value`: one of our views (a spy restoring what it found) is stored as the SDK's function it shows. */
function storedValue(value: unknown): unknown {
  return (typeof value === 'function' && viewed.get(value)) || value;
}

/** The value `key` has on the prototypes of `target`, which the SDK's classes give it. */
function inheritedValue(target: object, key: string): unknown {
  const proto = Object.getPrototypeOf(target) as object | null;
  return proto === null ? undefined : Reflect.get(proto, key, target);
}

/**
 * Runs a helper that its client's constructor stored on the resource itself, bound to the SDK's
 * resource (BedrockOpenAI's `responses.stream`): it reads the resource's `_client` to make its
 * requests, so for the length of the call, whose synchronous part is where the SDK's helpers read
 * it, that is the tracked client.
 */
function callWithTrackedClient(tracking: Tracking, resource: object, trackedClient: object, helper: AnyFunction, thisArg: unknown, args: unknown[]): unknown {
  const before = Reflect.get(resource, '_client') as unknown;
  if (!Reflect.set(resource, '_client', trackedClient)) {
    tracking.options.log?.('could not route this helper through the tracked client; its requests are not tracked');
    return Reflect.apply(helper, thisArg, args);
  }
  try {
    return Reflect.apply(helper, thisArg, args);
  } finally {
    Reflect.set(resource, '_client', before);
  }
}

interface Memo {
  source: unknown;
  result: unknown;
}

/**
 * The tracked proxy of one object on a tracked path (the client, `chat`, `chat.completions`, ...).
 * Created once per object and cached; its property values (child proxies, tracked methods, views
 * of functions) are cached too, so a hot loop of `client.chat.completions.create` allocates
 * nothing for the lookup.
 *
 * What a caller assigns through the proxy (`client.request = fn`, `jest.spyOn`, `vi.spyOn`) is
 * stored on the SDK's object and reads back as assigned. Property descriptors show what reads
 * show, so spy tools take the tracked method as the original they call through to.
 */
function trackedNode(tracking: Tracking, target: object, node: PathNode, clientProxy: object | undefined, client: object): object {
  const cached = tracking.proxies.get(target);
  if (cached) return cached;

  // What each key reads as now; `views` keeps the last view made per key, which a caller's own
  // value replaces in `memos` until it is taken away.
  const memos = new Map<string, Memo>();
  const views = new Map<string, Memo>();
  const isClient = clientProxy === undefined;
  let self: object;
  // Anything else runs on the SDK's own object: its `#private` fields need the real `this`.
  const onTarget: ApplyTrap = (fn, _thisArg, args) => Reflect.apply(fn, target, args);
  // A helper reads `this._client`: give it the tracked client, so its requests are tracked.
  const onSelf: ApplyTrap = (fn, _thisArg, args) => Reflect.apply(fn, self, args);

  const wrap = (key: string, value: unknown): unknown => {
    if (typeof value === 'function') {
      const fn = value as AnyFunction;
      if (key === 'constructor' || fn === (Object.prototype as Record<string, unknown>)[key]) return value;
      const operation = node.operations.get(key);
      if (operation) return viewOf(fn, trackedMethod(tracking, target, operation, client));
      if (node.helpers.has(key)) {
        if (clientProxy === undefined || fn === inheritedValue(target, key)) return viewOf(fn, onSelf);
        const trackedClient = clientProxy;
        return viewOf(fn, (helper, _thisArg, args) => callWithTrackedClient(tracking, target, trackedClient, helper, self, args));
      }
      if (isClient && key === 'withOptions') {
        return viewOf(fn, (withOptions, _thisArg, args) => {
          const derived = Reflect.apply(withOptions, target, args) as object;
          // The tracked classes track in their constructor: their `withOptions` result is tracked already.
          return untrackedClientOf(derived) ? derived : trackClient(tracking, derived);
        });
      }
      return viewOf(fn, onTarget);
    }
    if (value !== null && typeof value === 'object') {
      const child = node.children.get(key);
      if (child) return trackedNode(tracking, value, child, clientProxy ?? self, client);
      if (key === '_client' && clientProxy) return clientProxy;
    }
    return value;
  };

  const read = (raw: object, key: string): unknown => {
    const value = Reflect.get(raw, key, raw);
    if (typeof value !== 'function' && (value === null || typeof value !== 'object')) return value;
    const memo = memos.get(key);
    if (memo !== undefined && memo.source === value) return memo.result;
    // The last view made for this key, again for the same value (a spy restored): the same view.
    let made = views.get(key);
    if (made === undefined || made.source !== value) {
      made = { source: value, result: wrap(key, value) };
      views.set(key, made);
    }
    memos.set(key, made);
    return made.result;
  };

  /** After a caller stored `value` under `key`: it reads back as assigned, unless it is what the SDK's class gives (a spy restored). */
  const assigned = (raw: object, key: string | symbol, value: unknown): void => {
    if (typeof key !== 'string' || (typeof value !== 'function' && (value === null || typeof value !== 'object'))) return;
    if (value === inheritedValue(raw, key)) memos.delete(key);
    else memos.set(key, { source: value, result: value });
  };

  self = new Proxy(target, {
    get(raw, key) {
      if (key === RAW_CLIENT) return isClient ? raw : undefined;
      if (typeof key !== 'string') return Reflect.get(raw, key, raw);
      return read(raw, key);
    },
    set(raw, key, value) {
      // Setters may touch `#private` fields: run them on the SDK's own object.
      const stored = storedValue(value);
      const done = Reflect.set(raw, key, stored, raw);
      if (done) assigned(raw, key, stored);
      return done;
    },
    defineProperty(raw, key, descriptor) {
      const stored = 'value' in descriptor ? storedValue(descriptor.value) : undefined;
      const done = Reflect.defineProperty(raw, key, stored === descriptor.value ? descriptor : { ...descriptor, value: stored });
      if (done && 'value' in descriptor) assigned(raw, key, stored);
      else if (done && typeof key === 'string') memos.delete(key);
      return done;
    },
    getOwnPropertyDescriptor(raw, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(raw, key);
      if (typeof key !== 'string') return descriptor;
      if (descriptor === undefined) {
        // A method of the SDK's class: shown as the tracked proxy reads it, as an own property
        // (which a proxy may only claim on an extensible object), so that a spy calls through to it.
        if (!Object.isExtensible(raw)) return undefined;
        const value = inheritedValue(raw, key);
        if (typeof value !== 'function') return undefined;
        const shown = read(raw, key);
        return shown === value ? undefined : { value: shown, writable: true, enumerable: false, configurable: true };
      }
      if (!('value' in descriptor) || (!descriptor.configurable && !descriptor.writable)) return descriptor;
      const shown = read(raw, key);
      return shown === descriptor.value ? descriptor : { ...descriptor, value: shown };
    },
  });
  tracking.proxies.set(target, self);
  return self;
}

/** Wraps a client in its tracked proxy (one proxy per client object and tracking). */
export function trackClient<T extends object>(tracking: Tracking, client: T): T {
  rememberSecretsOf(client);
  return trackedNode(tracking, client, CLIENT_NODE, undefined, client) as T;
}
