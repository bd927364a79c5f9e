import { splitCallOptions } from '../call-options.js';
import { TrackedCall } from '../call.js';
import type { Operation } from '../operations/operation.js';
import type { Tracking } from '../tracking.js';
import { mergeRecords } from '../records.js';
import { CLIENT_NODE, type PathNode } from './method-table.js';
import { tapAPIPromise } from './promise.js';

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

/** A tracked `create`: splits off our per-call options, calls the SDK's own method on the SDK's own object, observes the result. */
function trackedMethod(
  tracking: Tracking,
  resource: object,
  method: AnyFunction,
  operation: Operation,
  client: object,
): AnyFunction {
  return function trackedCreate(...args: unknown[]) {
    let split;
    try {
      split = splitCallOptions(args[0]);
    } catch (error) {
      // A body whose properties can't be read (a throwing getter): let the SDK meet it as it would.
      tracking.options.log?.('could not read the request body; this call is not tracked', error);
      return method.apply(resource, args);
    }
    if (split.callOptions) args[0] = split.body;
    const body = split.body as Record<string, unknown>;
    if (body === null || typeof body !== 'object') return method.apply(resource, args);
    let hideUsageChunk = false;
    if (body.stream === true) {
      if (!operation.accumulateStream) return method.apply(resource, args);
      try {
        const streamOptions = operation.streamUsageOnRequest && tracking.options.includeStreamUsage ? withUsageAsked(body.stream_options) : undefined;
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
      call = new TrackedCall(tracking, client, operation, body, split.callOptions, hideUsageChunk);
    } catch (error) {
      tracking.options.log?.('could not start tracking this call', error);
    }
    const result = method.apply(resource, args);
    if (!call) return result;
    try {
      const tapped = tapAPIPromise(result, call);
      call.prepareWhileWaiting();
      return tapped;
    } catch (error) {
      tracking.options.log?.('could not observe this call', error);
      return result;
    }
  };
}

interface Memo {
  source: unknown;
  result: unknown;
}

/**
 * The tracked proxy of one object on a tracked path (the client, `chat`, `chat.completions`, ...).
 * Created once per object and cached; its property values (child proxies, tracked methods, bound
 * functions) are cached too, so a hot loop of `client.chat.completions.create` allocates nothing
 * for the lookup.
 */
function trackedNode(tracking: Tracking, target: object, node: PathNode, clientProxy: object | undefined, client: object): object {
  const cached = tracking.proxies.get(target);
  if (cached) return cached;

  const memos = new Map<string, Memo>();
  const isClient = clientProxy === undefined;
  let self: object;

  const wrap = (key: string, value: unknown): unknown => {
    if (typeof value === 'function') {
      const operation = node.operations.get(key);
      if (operation) return trackedMethod(tracking, target, value as AnyFunction, operation, client);
      if (node.helpers.has(key)) {
        // The helper reads `this._client`: give it the tracked client, so its requests are tracked.
        return function trackedHelper(...args: unknown[]) {
          return (value as AnyFunction).apply(self, args);
        };
      }
      if (isClient && key === 'withOptions') {
        return function trackedWithOptions(...args: unknown[]) {
          const derived = (value as AnyFunction).apply(target, args) as object;
          // The tracked classes track in their constructor: their `withOptions` result is tracked already.
          return untrackedClientOf(derived) ? derived : trackClient(tracking, derived);
        };
      }
      if (key === 'constructor') return value;
      // Anything else runs on the SDK's own object: its `#private` fields need the real `this`.
      return (value as AnyFunction).bind(target);
    }
    if (value !== null && typeof value === 'object') {
      const child = node.children.get(key);
      if (child) return trackedNode(tracking, value, child, clientProxy ?? self, client);
      if (key === '_client' && clientProxy) return clientProxy;
    }
    return value;
  };

  self = new Proxy(target, {
    get(raw, key) {
      if (key === RAW_CLIENT) return isClient ? raw : undefined;
      const value = Reflect.get(raw, key, raw);
      if (typeof key !== 'string' || (typeof value !== 'function' && (value === null || typeof value !== 'object'))) {
        return value;
      }
      const memo = memos.get(key);
      if (memo !== undefined && memo.source === value) return memo.result;
      const result = wrap(key, value);
      memos.set(key, { source: value, result });
      return result;
    },
    set(raw, key, value) {
      // Setters may touch `#private` fields: run them on the SDK's own object.
      return Reflect.set(raw, key, value, raw);
    },
  });
  tracking.proxies.set(target, self);
  return self;
}

/** Wraps a client in its tracked proxy (one proxy per client object and tracking). */
export function trackClient<T extends object>(tracking: Tracking, client: T): T {
  return trackedNode(tracking, client, CLIENT_NODE, undefined, client) as T;
}
