import type { DebugLogger, PostHogLike } from './options.js';

/** The methods that send what posthog-node has queued: each sends our waiting events first. */
const SENDING_METHODS = ['flush', 'shutdown', 'flushAsync', 'shutdownAsync', 'flushWithPendingPromises'] as const;
/** Those of them that end the client: what will never be seen ending sends its event first. */
const SHUTDOWN_METHODS: ReadonlySet<string> = new Set(['shutdown', 'shutdownAsync']);

/**
 * posthog-node's `waitUntil` option (Vercel's `waitUntil`, Workers' `ctx.waitUntil`): the platform
 * keeps the function alive only for what was handed to it once the response is sent, and may never
 * run a task scheduled after that. Such a client's events are handed to posthog-node as each call
 * ends, so that posthog-node hands their delivery to the platform while the handler still runs.
 */
function usesWaitUntil(posthog: PostHogLike): boolean {
  try {
    return typeof (posthog as { options?: { waitUntil?: unknown } | null }).options?.waitUntil === 'function';
  } catch {
    return false;
  }
}

const nextTask: (run: () => void) => void =
  typeof setImmediate === 'function' ? (run) => setImmediate(run) : (run) => setTimeout(run, 0);

/**
 * The events of one PostHog client's calls that have ended and are not built yet. A call's event is
 * built and handed to PostHog in the task after the one the call ended in: the caller has its
 * result first, and its code (often its next request) runs before tracking's. See
 * docs/performance.md for what that saves.
 *
 * So that `await posthog.flush()` or `await posthog.shutdown()` right after a call still sends that
 * call's event, this wraps those methods on the PostHog client given (the instance, once) to hand
 * over the waiting events first. A client whose methods can't be wrapped (a frozen object) gets
 * its events built at once, as a client that waits for delivery (`captureImmediate`) does, and so
 * does a client given the platform's `waitUntil`.
 */
export class Outbox {
  private waiting: Array<() => void> = [];
  private scheduled = false;
  /** What to end when the client shuts down (see `onShutdown`). */
  private readonly shutdownHooks = new Set<() => void>();
  /** False when the client's flush could not be wrapped: nothing may wait then. */
  readonly canWait: boolean;

  constructor(posthog: PostHogLike) {
    this.canWait = !usesWaitUntil(posthog) && this.wrapSendingMethods(posthog);
  }

  /** Runs `build` in the next task, or before the PostHog client next flushes, whichever comes first. */
  add(build: () => void): void {
    this.waiting.push(build);
    if (this.scheduled) return;
    this.scheduled = true;
    nextTask(() => this.drain());
  }

  /** Builds and hands over every waiting event, oldest first; true when there was any. */
  drain(): boolean {
    this.scheduled = false;
    const waiting = this.waiting;
    if (waiting.length === 0) return false;
    this.waiting = [];
    // Each build catches its own errors (TrackedCall.end): one event's failure never stops the rest.
    for (const build of waiting) build();
    return true;
  }

  /**
   * Runs `hook` when the PostHog client is next shut down, before the waiting events are handed
   * over, so that the events it sends go with them: background jobs whose end the process never
   * saw (see `background-jobs.ts`). Only where `canWait`: elsewhere shutdown is not watched.
   */
  onShutdown(hook: () => void): void {
    this.shutdownHooks.add(hook);
  }

  offShutdown(hook: () => void): void {
    this.shutdownHooks.delete(hook);
  }

  private runShutdownHooks(): void {
    const hooks = [...this.shutdownHooks];
    this.shutdownHooks.clear();
    for (const hook of hooks) {
      try {
        hook();
      } catch {
        // Tracking's own problem: the caller's shutdown goes on.
      }
    }
  }

  private wrapSendingMethods(posthog: PostHogLike): boolean {
    const target = posthog as unknown as Record<string, unknown>;
    try {
      for (const name of SENDING_METHODS) {
        const original = target[name];
        if (typeof original !== 'function') continue;
        const outbox = this;
        Object.defineProperty(target, name, {
          value: function sendWaitingEventsFirst(this: unknown, ...args: unknown[]) {
            if (SHUTDOWN_METHODS.has(name)) outbox.runShutdownHooks();
            const send = () => (original as (...args: unknown[]) => unknown).apply(this, args);
            if (!outbox.drain()) return send();
            // posthog-node queues a captured event a few promise turns after capture(), and 4.x's
            // flush() does not wait for captures in flight: let the events just handed over reach
            // its queue first.
            return new Promise((resolve) => setTimeout(resolve, 0)).then(send);
          },
          writable: true,
          configurable: true,
          enumerable: false,
        });
      }
      return true;
    } catch {
      return false;
    }
  }
}

const outboxes = new WeakMap<object, Outbox>();

/** The outbox of a PostHog client, shared by every tracked client that uses it. */
export function outboxOf(posthog: PostHogLike, log?: DebugLogger): Outbox {
  let outbox = outboxes.get(posthog);
  if (!outbox) {
    outbox = new Outbox(posthog);
    if (!outbox.canWait) log?.("the PostHog client's flush() can't be wrapped (a frozen object?): events are built when each call ends");
    outboxes.set(posthog, outbox);
  }
  return outbox;
}
