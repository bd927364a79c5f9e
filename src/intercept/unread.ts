import { requestOf } from './sdk.js';
import type { CallTap, RequestWatch } from './tap.js';

/**
 * Streams nobody reads (issue 15). A streamed call is billed once its request is sent, whether or
 * not anyone reads the answer, and its event is sent when its stream ends. A stream that is never
 * read never ends: its event is sent when nothing can read it any more, that is when the caller's
 * objects are garbage collected.
 *
 * - The `APIPromise` a streamed `create()` returns, never awaited (the SDK sends the request all
 *   the same): `not_read` once it is collected and its response has arrived.
 * - The `Stream` handed to the caller (see stream.ts), never read: `not_read`; read part of the
 *   way and let go without being stopped (no `break`, no `return()`): `stopped`, with what was read.
 *
 * What is registered is what the caller holds (the promise, the stream); what is held for it (the
 * call, how far it was read) never refers back to it, so tracking keeps neither alive. A collected
 * promise whose stream the caller holds ends nothing: the stream does, when it ends or is collected.
 *
 * Collection happens when V8 decides, and a process may exit before it runs these callbacks: a
 * short-lived script loses the events of the streams it never read, unless it reads them or aborts
 * them (`stream.controller.abort()`: `aborted`, at once). Tracking has no shutdown of its own that
 * could send them (`posthog.shutdown()` sends what was captured), and keeps no list of calls in
 * flight to send them from: that would cost every call, for streams nobody reads.
 *
 * Each watch is given up as soon as it has nothing left to see (the stream handed over, the call
 * ended): V8 keeps a watched object through its minor collections, so a watch left in place would
 * keep every call's promise and stream, and what they hold, until a major one.
 *
 * Cost per streamed call: two `register()` and two `unregister()` calls (the promise, the stream),
 * two small records; the answer's arrival is told by the tap's one observer of the request.
 */

/** What the registry keeps until the caller's object is collected: never that object, nor anything that refers to it. */
export interface Collectable {
  /** The caller's object was collected: end the call if nothing else has. Never throws. */
  collected(): void;
}

function onCollected(held: Collectable): void {
  try {
    held.collected();
  } catch {
    // Tracking's own problem, never the process's: the callbacks run with nothing to catch them.
  }
}

// Edge runtimes without FinalizationRegistry: streams nobody reads send no event there, as before.
const registry: FinalizationRegistry<Collectable> | undefined =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(onCollected) : undefined;

/** Calls `held.collected()` once `target` has been garbage collected (if it ever is, before the process exits), unless `stopWatching(held)` comes first. */
export function whenCollected(target: object, held: Collectable): void {
  registry?.register(target, held, held);
}

/** `held` has nothing left to see: its target is no longer watched, and `held` is let go. */
export function stopWatching(held: object): void {
  registry?.unregister(held);
}

/** A streamed call's `APIPromise`, watched from its `create()` until it is collected or has nothing left to watch. */
class UnreadRequest implements Collectable, RequestWatch {
  response: Response | undefined = undefined;
  arrived = false;
  gone = false;

  constructor(readonly tap: CallTap) {}

  /** The response headers arrived (after any retries; `tap.respondedAt`: the end of a `not_read` call's latency). */
  responded(props: unknown): void {
    this.arrived = true;
    try {
      const response = props !== null && typeof props === 'object' ? (props as { response?: unknown }).response : undefined;
      this.response = response !== null && typeof response === 'object' ? (response as Response) : undefined;
      if (this.gone) this.endUnread();
    } catch {
      // Never a rejection of ours: this runs in a promise callback nobody awaits.
    }
  }

  release(): void {
    stopWatching(this);
    this.response = undefined;
    if (this.tap.requestWatch === this) this.tap.requestWatch = undefined;
  }

  collected(): void {
    this.gone = true;
    // Before its response, the request may still fail (then tracked as such) or answer (then here).
    if (this.arrived) this.endUnread();
  }

  /**
   * The promise is gone and its response is here: unless it was parsed into a stream (which ends
   * the call itself) or ended otherwise (failure, `asResponse()`), nobody will ever read it.
   * A parse under way would have kept the promise alive until its stream was handed over: the
   * SDK's parse of a stream takes promise turns only, and this runs in a task of its own.
   */
  endUnread(): void {
    const { call, respondedAt, streamHandedOver } = this.tap;
    const response = this.response;
    this.response = undefined;
    if (call.isEnded || streamHandedOver) return;
    call.end({ response, stream: { ending: 'not_read', firstContentAt: undefined }, endedAt: respondedAt });
  }
}

/**
 * Watches the `APIPromise` a streamed `create()` returned to the caller, once tapped: the tap's
 * observer of its request (promise.ts) tells the watch when the answer arrives, or releases it
 * when the request fails; the stream, once handed over, is watched in its place (stream.ts).
 * Without FinalizationRegistry or a request promise (an SDK other than openai 5 to 7), the promise
 * is not watched; the stream it gives still is.
 */
export function watchUnreadRequest(apiPromise: object, tap: CallTap): void {
  if (!registry || !requestOf(apiPromise)) return;
  const watch = new UnreadRequest(tap);
  whenCollected(apiPromise, watch);
  tap.requestWatch = watch;
}
