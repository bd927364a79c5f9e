import { Stream } from 'openai/streaming';
import { vi } from 'vitest';

// Reading streams, and a view on the SDK's own streams from beneath tracking. SSE bodies and the
// chunks of each API are in sse.ts. Nothing here loads nock.

/** Reads a stream to its end with `for await`. */
export async function readAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

export function isUsageOnly(chunk: unknown): boolean {
  const c = chunk as { choices?: unknown; usage?: unknown };
  return Array.isArray(c.choices) && c.choices.length === 0 && c.usage != null;
}

// ---------------------------------------------------------------------------------------------
// The SDK's own streams, seen from beneath tracking

export interface SdkStreamView {
  /** The `Stream` the SDK made (the one tracking wraps). */
  stream: Stream<unknown>;
  controller: AbortController;
  /** Every item the SDK's iterator yielded, in order: what was pulled from the HTTP body. */
  yielded: unknown[];
  /** Errors the SDK's iterator threw. */
  thrown: unknown[];
}

/**
 * Spies on `Stream.fromSSEResponse` (the SDK builds every HTTP stream with it) so that a test can
 * see the SDK's own stream, its controller, and how many items were pulled from it: by the caller
 * through tracking, or by anything else.
 */
export function watchSdkStreams(): { streams: SdkStreamView[]; restore: () => void } {
  const streams: SdkStreamView[] = [];
  const original = Stream.fromSSEResponse.bind(Stream);
  const spy = vi.spyOn(Stream, 'fromSSEResponse').mockImplementation(((...args: Parameters<typeof Stream.fromSSEResponse>) => {
    const stream = original(...args);
    const view: SdkStreamView = { stream, controller: stream.controller, yielded: [], thrown: [] };
    streams.push(view);
    const makeIterator = (stream as unknown as { iterator: () => AsyncIterator<unknown> }).iterator;
    (stream as unknown as { iterator: () => AsyncIterator<unknown> }).iterator = () => {
      const inner = makeIterator();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (!step.done) view.yielded.push(step.value);
            return step;
          } catch (error) {
            view.thrown.push(error);
            throw error;
          }
        },
        return: (value?: unknown) => inner.return!(value),
        throw: (error?: unknown) => inner.throw!(error),
        [Symbol.asyncIterator]() {
          return this;
        },
      } as AsyncIterator<unknown>;
    };
    return stream;
  }) as typeof Stream.fromSSEResponse);
  return { streams, restore: () => spy.mockRestore() };
}
