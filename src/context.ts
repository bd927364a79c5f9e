import { ownProperties } from './events/detach.js';
import type { PostHogLike } from './options.js';
import { readable, readOr, UNREADABLE } from './safe-read.js';
import type { Tracking } from './tracking.js';

/** What `withTracking()` puts around a block of code: every tracked call inside carries it. */
export interface TrackingContext {
  /** The PostHog person the calls belong to. */
  distinctId?: string;
  /** The trace the calls belong to (PostHog's Traces view groups by it). */
  traceId?: string;
  /** `$ai_session_id`: a session that groups several traces. */
  sessionId?: string;
  /** Extra properties for every event inside (merged over outer contexts' and the client's). */
  properties?: Record<string, unknown>;
  /** PostHog groups for every event inside (merged over outer contexts' and the client's). */
  groups?: Record<string, string | number>;
  /** No input or output in the events inside. */
  privacyMode?: boolean;
  /** The PostHog client that `trace()` / `span()` inside send their own events with. */
  posthog?: PostHogLike;
}

/** The context as stored: merged with the outer ones, plus the trace tree position. */
export interface ActiveContext extends TrackingContext {
  /** `$ai_parent_id` for calls made here: the innermost span's id (or the trace's). */
  parentId?: string;
  /** The trace or span running here, which learns the tracking of the calls made inside. */
  scope?: TraceScope;
}

/**
 * A running trace or span. The tracked calls made inside it, at any depth, tell it (and every
 * trace or span around it) which client's PostHog to send its own event through, and which
 * credentials to keep out of its `$ai_error`. (`src/call.ts` sets `tracking`, `src/traces.ts` the rest.)
 */
export interface TraceScope {
  tracking: Tracking | undefined;
  /** The trace or span this one runs in, which learns the same. */
  parent: TraceScope | undefined;
  /** API key, organization and project of the clients whose calls ran inside. */
  secrets: Set<string>;
  /** Whether its `fn` has ended (and its event was sent, or is waiting for a scope around it). */
  ended: boolean;
  /**
   * The events of scopes inside this one that ended before any client was known to them: tried
   * again when this one ends, by which time a call made here later may have told the client.
   */
  waiting: (() => void)[] | undefined;
}

interface Storage {
  getStore(): ActiveContext | undefined;
  run<R>(store: ActiveContext, fn: () => R): R;
}

type StorageConstructor = new () => Storage;

/**
 * AsyncLocalStorage without a static `node:` import, so the library still loads where it is missing
 * (some edge runtimes): there, contexts are unavailable and say so, and everything else works.
 */
function findAsyncLocalStorage(): StorageConstructor | undefined {
  const global = globalThis as { AsyncLocalStorage?: StorageConstructor; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof global.AsyncLocalStorage === 'function') return global.AsyncLocalStorage;
  try {
    const hooks = global.process?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: StorageConstructor } | undefined;
    if (typeof hooks?.AsyncLocalStorage === 'function') return hooks.AsyncLocalStorage;
  } catch {
    // Not Node, or a Node older than 20.16 (no getBuiltinModule).
  }
  return undefined;
}

/**
 * One storage per process, kept on `globalThis` under a registered symbol: the ESM and the CJS builds
 * of this library are often both loaded (Next.js, Jest), and a context set through one must be seen
 * by clients made through the other.
 */
const SHARED_STORAGE = Symbol.for('tracked-openai.context-storage');

function sharedStorage(StorageClass: StorageConstructor | undefined = findAsyncLocalStorage()): Storage | undefined {
  const holder = globalThis as { [SHARED_STORAGE]?: Storage };
  const existing = holder[SHARED_STORAGE];
  if (existing) return existing;
  if (!StorageClass) return undefined;
  const created = new StorageClass();
  try {
    Object.defineProperty(holder, SHARED_STORAGE, { value: created, configurable: true, enumerable: false, writable: false });
  } catch {
    // A frozen globalThis: this copy keeps a storage of its own.
  }
  return created;
}

let storage: Storage | undefined = sharedStorage();

/**
 * Gives contexts the `AsyncLocalStorage` class where tracked-openai can't find one itself (no global
 * one and no `process.getBuiltinModule`, as in a Worker with only the `nodejs_als` flag):
 * `useAsyncLocalStorage(AsyncLocalStorage)` with the class from `node:async_hooks`. Call it once,
 * before the first `withTracking()`; a storage already in use is kept. Returns whether contexts are
 * available now.
 */
export function useAsyncLocalStorage(StorageClass: new () => { getStore(): unknown; run<R>(store: never, fn: () => R): R }): boolean {
  if (storage === undefined && typeof StorageClass === 'function') {
    try {
      storage = sharedStorage(StorageClass as unknown as StorageConstructor);
    } catch {
      // Not a storage class: contexts stay unavailable, as isContextAvailable() says.
    }
  }
  return storage !== undefined;
}

/** Whether `withTracking()`, `trace()` and `span()` can carry context across async work here. */
export function isContextAvailable(): boolean {
  return storage !== undefined;
}

/** The innermost active context, if any. */
export function currentContext(): ActiveContext | undefined {
  return storage?.getStore();
}

function unavailable(what: string): Error {
  return new Error(
    `tracked-openai: ${what} needs AsyncLocalStorage, which this runtime does not provide; ` +
      'pass posthogDistinctId / posthogTraceId / posthogProperties per call instead',
  );
}

/** The fields of a `TrackingContext`, as `readContext` copies them. */
const CONTEXT_FIELDS = ['distinctId', 'traceId', 'sessionId', 'properties', 'groups', 'privacyMode', 'posthog'] as const;

/**
 * The context as stored: each field read once, so that a getter is never read again when a call is
 * tracked, and a throwing one (on a field, or at the top level of `properties` or `groups`) never
 * reaches the caller. A field that cannot be read is left out; a property that cannot be read
 * becomes `'[unreadable]'`, as deeper ones do when the event is sent; a group that cannot be read is
 * left out (a marker is no group key).
 */
export function readContext(context: TrackingContext): TrackingContext {
  const read: TrackingContext = {};
  for (const field of CONTEXT_FIELDS) {
    const value = readOr(context, field, undefined);
    if (value !== undefined) (read as Record<string, unknown>)[field] = value;
  }
  // Copied once here: an event holds them until posthog-node sends it, and the caller may change theirs meanwhile.
  if (read.properties !== undefined) read.properties = ownProperties(read.properties);
  if (read.groups !== undefined) read.groups = readable(read.groups, undefined) as Record<string, string | number>;
  return read;
}

/**
 * Merges an inner context over the outer one (itself made by this function): inner values win,
 * properties and groups merge. The inner context is read once, here, and the result holds copies
 * of its `properties` and `groups`: see {@link readContext}. `tree`: the position of a trace or
 * span, which only `trace()` and `span()` set. Never throws.
 */
export function mergeContext(
  outer: ActiveContext | undefined,
  inner: TrackingContext,
  tree?: Pick<ActiveContext, 'parentId' | 'scope'>,
): ActiveContext {
  const read: ActiveContext = { ...readContext(inner), ...tree };
  if (!outer) return read;
  const merged: ActiveContext = { ...outer, ...read };
  // Both sides are copies made by readContext, so a spread reads no getter.
  if (outer.properties && read.properties) merged.properties = { ...outer.properties, ...read.properties };
  if (outer.groups && read.groups) merged.groups = { ...outer.groups, ...read.groups };
  return merged;
}

/** Runs `fn` inside `context`, merged over the current one (or as given, when `merged`). */
export function runInContext<R>(context: TrackingContext, fn: () => R, what: string, merged = false): R {
  if (!storage) throw unavailable(what);
  return storage.run(merged ? context : mergeContext(storage.getStore(), context), fn);
}

/**
 * Runs `fn` so that every tracked call made inside it (across awaits, timers and nested async
 * work) carries `context`. Concurrent requests never see each other's context. Precedence:
 * per-call `posthog*` options, then the innermost context, then the client's options.
 *
 * @returns what `fn` returns. @throws what `fn` throws; an `Error` when the runtime has no AsyncLocalStorage.
 */
export function withTracking<R>(context: TrackingContext, fn: () => R): R {
  if (context === null || typeof context !== 'object') {
    throw new TypeError('tracked-openai: withTracking(context, fn) needs a context object');
  }
  if (typeof fn !== 'function') throw new TypeError('tracked-openai: withTracking(context, fn) needs a function');
  return runInContext(context, fn, 'withTracking()');
}
