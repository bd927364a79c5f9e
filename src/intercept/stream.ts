import type { StreamEnding } from '../events/build.js';
import { isUsageOnlyChunk, type StreamAccumulator } from '../operations/operation.js';
import { afterEachAbort, restream, type StreamLike } from './sdk.js';
import type { CallTap } from './tap.js';
import { type Collectable, stopWatching, whenCollected } from './unread.js';

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/**
 * A chunk as the caller asked for it: with `include_usage`, which tracking added, OpenAI puts
 * `"usage": null` on every chunk but the usage-only one; without it the key is absent. A copy
 * without the key rather than `delete`, which would leave the caller a slow dictionary object
 * (docs/performance.md, "Streams"); the caller never sees the SDK's object. An object that is not
 * plain (never from the SDK's `JSON.parse`) has the key deleted.
 */
function withoutUsage(chunk: Record<string, unknown>): Record<string, unknown> {
  if (Object.getPrototypeOf(chunk) !== Object.prototype) {
    delete chunk.usage;
    return chunk;
  }
  // A rest copy defines what it copies, as JSON.parse did: an own "__proto__" key stays a key.
  const { usage: _usage, ...copy } = chunk;
  return copy;
}

/**
 * One tracked stream: what its event needs, and how far the caller read. The tracked iterators and
 * the controller's `abort()` refer to it; it never refers to the caller's stream (nor to anything
 * that does), since it is what the FinalizationRegistry keeps until that stream is collected or the
 * call ends.
 */
class StreamTracking implements Collectable {
  readonly accumulator: StreamAccumulator;
  /**
   * Released once the call has ended. The controller, whose `abort()` refers to this record, is
   * kept by the caller's stream, and an unread body stays open until its `Response` is collected:
   * held here after the end, it would be kept as long as the stream, and the connection of a stream
   * dropped unread would stay open as long.
   */
  response: Response | undefined;
  firstContentAt: number | undefined = undefined;
  ended = false;
  /** Reads under way: an abort during one is left to that read to report. */
  reading = 0;
  /** The caller asked for a chunk at least once. */
  started = false;

  constructor(
    readonly tap: CallTap,
    readonly signal: AbortSignal,
    response: Response | undefined,
  ) {
    this.accumulator = tap.call.operation.accumulateStream!();
    this.response = response;
  }

  /** Ends the call once (later endings are ignored); `endedAt`: where the latency ends, when not now. */
  end(ending: StreamEnding, error?: unknown, endedAt?: number): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    stopWatching(this);
    const response = this.response;
    this.response = undefined;
    let result: Record<string, unknown> | undefined;
    if (ending !== 'not_read') {
      try {
        result = this.accumulator.result();
      } catch (problem) {
        this.tap.call.options.log?.('could not assemble the streamed output', problem);
      }
    }
    return this.tap.call.end({ result, response, error, stream: { ending, firstContentAt: this.firstContentAt }, endedAt });
  }

  /**
   * The caller's stream and every iterator over it were collected before the stream ended: nobody
   * can read it any more. Never read: `not_read`, its latency up to the response headers. Read
   * part of the way and let go without stopping it (an iterator dropped, no `return()`): `stopped`,
   * with what was read, its latency up to the first chunk with content (the last moment known
   * without timing every chunk), or the headers.
   */
  collected(): void {
    if (this.ended) return;
    const respondedAt = this.tap.respondedAt;
    if (this.started) this.end('stopped', undefined, this.firstContentAt ?? respondedAt);
    else this.end('not_read', undefined, respondedAt);
  }
}

/**
 * The property of each tracked iterator that refers to the caller's stream: a stream whose
 * iterator is still held (a `for await` over `await create()`, `tee()` halves, a readable from
 * `toReadableStream()`) is still being read, and must not be collected before it.
 */
const READS = Symbol('tracked-openai.reads');

/**
 * An abort while no read is under way (before the first read, or in the caller's loop body) ends
 * the call now: a stream aborted and never read again would otherwise send no event until it is
 * collected. An abort during a read (the SDK aborts on errors too) is left to that read to report.
 * (Here, not in `trackStream`: what the controller keeps refers to the record alone.)
 */
function endOnAbort(tracking: StreamTracking, controller: AbortController): void {
  afterEachAbort(controller, () => {
    if (tracking.reading === 0) tracking.end('aborted');
  });
}

/**
 * The tracked iterator over the SDK's `source` iterator. Its functions refer to the record and the
 * source, never to the caller's stream: a read the caller left pending must not keep that stream
 * alive through the response body. The iterator object itself refers to `stream` (`READS`).
 */
function trackedIterator(source: AsyncIterator<unknown>, tracking: StreamTracking, stream: object | undefined): AsyncIterator<unknown> {
  const failed = (error: unknown): never => {
    tracking.reading--;
    tracking.end('error', error);
    throw error;
  };

  const received = (step: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    tracking.reading--;
    if (step.done) {
      let providerError: unknown;
      try {
        providerError = tracking.accumulator.providerError();
      } catch {
        providerError = undefined;
      }
      const ending = providerError !== undefined ? 'error' : tracking.signal.aborted ? 'aborted' : 'completed';
      const delivery = tracking.end(ending, providerError);
      return delivery ? delivery.then(() => step) : step;
    }
    const chunk = asRecord(step.value);
    if (chunk) {
      try {
        if (tracking.accumulator.add(chunk) && tracking.firstContentAt === undefined) tracking.firstContentAt = performance.now();
        if (tracking.tap.usageAsked) {
          if (isUsageOnlyChunk(chunk)) return next();
          if (chunk.usage === null) return { done: false, value: withoutUsage(chunk) };
        }
      } catch (problem) {
        tracking.tap.call.options.log?.('could not read a streamed chunk', problem);
      }
    }
    return step;
  };

  const next = (): Promise<IteratorResult<unknown>> => {
    tracking.reading++;
    tracking.started = true;
    let pending: Promise<IteratorResult<unknown>>;
    try {
      pending = Promise.resolve(source.next());
    } catch (error) {
      return Promise.reject(error).catch(failed);
    }
    return pending.then(received, failed);
  };

  return {
    next,
    async return(value?: unknown): Promise<IteratorResult<unknown>> {
      tracking.end('stopped');
      // The SDK's iterator aborts the HTTP request when it is returned early.
      if (typeof source.return === 'function') return source.return(value);
      return { done: true, value };
    },
    [READS]: stream,
  } as AsyncIterator<unknown>;
}

/**
 * Returns a new `Stream` of the SDK's own class, over the same `controller`, whose items are the
 * SDK stream's items, observed one by one as the caller pulls them:
 *
 * - nothing is read before the caller asks (no read-ahead, no background draining);
 * - `for await`, `tee()`, `toReadableStream()` all pull through the one tracked iterator, so
 *   each way of consuming is tracked once;
 * - the call ends once: at the end of the stream (completed, or aborted through the controller or
 *   the request's signal), when the caller stops early (`break`, `return`, a throw in the loop,
 *   a cancelled readable: the iterator's `return()`), when reading fails (the very same error is
 *   rethrown to the caller, with the partial output kept in the event), or when the stream is
 *   garbage collected before any of these (see unread.ts);
 * - when tracking asked for the usage, the usage-only chunk is observed, not passed on,
 *   and the other chunks come without the `"usage": null` it brings.
 */
export function trackStream<S extends StreamLike>(stream: S, tap: CallTap, response: Response | undefined): S {
  // Without the SDK's request promise to say when the headers came, they had come by now.
  tap.respondedAt ??= performance.now();
  // The stream is watched from now on, in place of the promise that gave it.
  tap.requestWatch?.release();
  const { controller } = stream;
  const tracking = new StreamTracking(tap, controller.signal, response);
  endOnAbort(tracking, controller);

  let tracked: S | undefined;
  // Throws, as the SDK does, when the stream was already consumed.
  const iterator = (): AsyncIterator<unknown> => trackedIterator(stream[Symbol.asyncIterator](), tracking, tracked);
  tracked = restream(stream, iterator, tap.call.client);
  whenCollected(tracked, tracking);
  return tracked;
}
