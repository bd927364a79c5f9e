import type { TrackedCall } from '../call.js';

/** What watches a streamed call's `APIPromise` nobody awaits (unread.ts). */
export interface RequestWatch {
  /** The answer's headers arrived (`props`: what the SDK's request promise resolved to). */
  responded(props: unknown): void;
  /** Nothing left to watch (the stream was handed over, or the request failed): no longer the tap's watch. */
  release(): void;
}

/** What the tap uses of a call: a `TrackedCall`, or a stand-in that decides what its end means (a background job's, see background.ts). */
export type TappedCall = Pick<TrackedCall, 'end' | 'isEnded' | 'options' | 'operation' | 'body' | 'captureImmediate' | 'client'>;

/**
 * What intercepting one call knows beside the call itself: how its request was sent and how far
 * its answer got. Shared by the parts of `intercept/` that watch the same call (the promise, the
 * stream, a promise or stream nobody reads); the event never reads it.
 */
export class CallTap {
  /** When the response headers arrived (`performance.now()`), once they have: where a `not_read` call's latency ends. */
  respondedAt: number | undefined = undefined;
  /** The SDK's stream was handed to the caller, wrapped: the stream ends the call. */
  streamHandedOver = false;
  /** The watch over a streamed call's `APIPromise` nobody awaits (unread.ts), while there is one. */
  requestWatch: RequestWatch | undefined = undefined;

  constructor(
    readonly call: TappedCall,
    /** `stream_options.include_usage` was added by tracking: the usage-only chunk is not the caller's. */
    public usageAsked: boolean,
  ) {}
}
