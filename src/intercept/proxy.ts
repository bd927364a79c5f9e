import { rememberSecretsOf } from '../events/credentials.js';
import type { Operation } from '../operations/operation.js';
import { type Endpoint, endpointOf } from '../provider.js';
import type { Tracking } from '../tracking.js';
import { CLIENT_NODE, type PathNode } from './method-table.js';
import { followJob } from './background.js';
import { withResourceClient } from './sdk.js';
import { trackedCreate } from './tracked-create.js';

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

/** A tracked method, as the `apply` of a function proxy over the SDK's own: called on the SDK's own object. */
function trackedMethod(tracking: Tracking, resource: object, operation: Operation, client: object): ApplyTrap {
  // The client's provider, base URL and prices: the same for each of its calls.
  let endpoint: Endpoint | undefined;
  return (method, _thisArg, args) => {
    endpoint ??= endpointOf(client, tracking.options.provider);
    return trackedCreate(tracking, client, endpoint, operation, (sent) => Reflect.apply(method, resource, sent), args);
  };
}

/** A method reporting on a background job (`responses.retrieve`, `responses.cancel`): watched for the jobs this client started. */
function jobMethod(tracking: Tracking, resource: object, operation: Operation, client: object): ApplyTrap {
  return (method, _thisArg, args) => followJob(tracking, client, operation, (sent) => Reflect.apply(method, resource, sent), args);
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
  const done = withResourceClient(resource, trackedClient, () => Reflect.apply(helper, thisArg, args));
  if (done.ran) return done.result;
  tracking.options.log?.('could not route this helper through the tracked client; its requests are not tracked');
  return Reflect.apply(helper, thisArg, args);
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
      const followed = node.jobMethods.get(key);
      if (followed) return viewOf(fn, jobMethod(tracking, target, followed, client));
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
