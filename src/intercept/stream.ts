import type { StreamEnding, TrackedCall } from '../call.js';
import { isUsageOnlyChunk, type StreamAccumulator } from '../operations/operation.js';

/** The parts of the SDK's `Stream` we rely on (openai 5, 6 and 7). */
interface StreamLike<Item = unknown> extends AsyncIterable<Item> {
  controller: AbortController;
  tee(): unknown;
  toReadableStream(): unknown;
}

type StreamConstructor = new (
  iterator: () => AsyncIterator<unknown>,
  controller: AbortController,
  client?: unknown,
) => StreamLike;

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

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/**
 * A chunk as the caller asked for it: with `include_usage`, which tracking added, OpenAI puts
 * `"usage": null` on every chunk but the usage-only one; without it the key is absent.
 *
 * A copy without the key rather than `delete`: OpenAI writes `obfuscation` after `usage`, and
 * deleting a key that is not the last one turns the object into a slow dictionary, for the caller
 * too (about 350 ns per chunk on Node 20, and 300 ns on Node 22 and 24 even for the last key,
 * against about 150 ns for the copy). The caller never sees the SDK's object, so nothing can tell
 * them apart. Not a plain object (never from the SDK's `JSON.parse`): the key is deleted instead.
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
 * Returns a new `Stream` of the SDK's own class, over the same `controller`, whose items are the
 * SDK stream's items, observed one by one as the caller pulls them:
 *
 * - nothing is read before the caller asks (no read-ahead, no background draining);
 * - `for await`, `tee()`, `toReadableStream()` all pull through the one tracked iterator, so
 *   each way of consuming is tracked once;
 * - the call ends once: at the end of the stream (completed, or aborted through the controller or
 *   the request's signal), when the caller stops early (`break`, `return`, a throw in the loop,
 *   a cancelled readable: the iterator's `return()`), or when reading fails (the very same error is
 *   rethrown to the caller, with the partial output kept in the event);
 * - with `hideUsageChunk`, the usage-only chunk that tracking asked for is observed, not passed on,
 *   and the other chunks come without the `"usage": null` it brings.
 */
export function trackStream<S>(stream: S & StreamLike, call: TrackedCall, response: Response | undefined, hideUsageChunk: boolean): S {
  const accumulator: StreamAccumulator = call.operation.accumulateStream!();
  const log = call.tracking.options.log;
  let firstContentAt: number | undefined;
  let ended = false;

  const end = (ending: StreamEnding, error?: unknown): Promise<void> | undefined => {
    if (ended) return undefined;
    ended = true;
    let result: Record<string, unknown> | undefined;
    try {
      result = accumulator.result();
    } catch (problem) {
      log?.('could not assemble the streamed output', problem);
    }
    return call.end({ result, response, error, stream: { ending, firstContentAt } });
  };

  // An abort while no read is under way (before the first read, or in the caller's loop body) ends
  // the call now: a stream aborted and never read again would otherwise send no event. An abort
  // during a read (the SDK aborts on errors too) is left to that read to report.
  let reading = 0;
  stream.controller.signal.addEventListener(
    'abort',
    () => {
      if (reading === 0) end('aborted');
    },
    { once: true },
  );

  const iteratorFactory = (): AsyncIterator<unknown> => {
    // Throws, as the SDK does, when the stream was already consumed.
    const source = stream[Symbol.asyncIterator]();

    const failed = (error: unknown): never => {
      reading--;
      end('error', error);
      throw error;
    };

    // Plain promise callbacks, not an async function around an await: one promise per chunk, not three.
    const received = (step: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
      reading--;
      if (step.done) {
        let providerError: unknown;
        try {
          providerError = accumulator.providerError();
        } catch {
          providerError = undefined;
        }
        const ending = providerError !== undefined ? 'error' : stream.controller.signal.aborted ? 'aborted' : 'completed';
        const delivery = end(ending, providerError);
        return delivery ? delivery.then(() => step) : step;
      }
      const chunk = asRecord(step.value);
      if (chunk) {
        try {
          if (accumulator.add(chunk) && firstContentAt === undefined) firstContentAt = performance.now();
          if (hideUsageChunk) {
            if (isUsageOnlyChunk(chunk)) return next();
            if (chunk.usage === null) return { done: false, value: withoutUsage(chunk) };
          }
        } catch (problem) {
          log?.('could not read a streamed chunk', problem);
        }
      }
      return step;
    };

    const next = (): Promise<IteratorResult<unknown>> => {
      reading++;
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
        end('stopped');
        // The SDK's iterator aborts the HTTP request when it is returned early.
        if (typeof source.return === 'function') return source.return(value);
        return { done: true, value };
      },
    };
  };

  const StreamClass = stream.constructor as StreamConstructor;
  return new StreamClass(iteratorFactory, stream.controller, call.client) as unknown as S;
}
