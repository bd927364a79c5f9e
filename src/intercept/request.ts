import { type PostHogCallOptions, splitCallOptions } from '../call-options.js';
import type { Operation } from '../operations/operation.js';
import { withKey } from '../safe-read.js';
import type { DebugLogger } from '../options.js';

/** A `create()` call's arguments, split into what the SDK is sent and what tracking keeps. */
export interface PreparedRequest {
  /** The arguments to call the SDK with: without our options, with the stream's usage asked for. */
  readonly args: readonly unknown[];
  /** The request body as the caller wrote it, without our options: what the event describes. */
  readonly body: Record<string, unknown>;
  readonly callOptions: PostHogCallOptions | undefined;
  /** `stream_options.include_usage` was added by tracking: the usage-only chunk is not the caller's. */
  readonly usageAsked: boolean;
  /** The request options as given: their `headers` may hold per-request credentials, kept out of the event's error. */
  readonly requestOptions: unknown;
}

/** `create()`'s arguments with `body` in place of the first. */
export function withBody(args: readonly unknown[], body: unknown): unknown[] {
  const copy = args.slice();
  copy[0] = body;
  return copy;
}

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
  return withKey(streamOptions, 'include_usage', true);
}

/**
 * Prepares a `create(body, options)` call: splits off our per-call options and, for a stream whose
 * API reports usage only when asked (`askUsage`), asks for it. Undefined when the call is not
 * tracked: a body that is not an object, or whose properties can't be read (a throwing getter: the
 * SDK meets it as it would), or a stream of an API that is tracked unstreamed only.
 * The caller's objects are never changed.
 */
export function prepareRequest(
  args: readonly unknown[],
  operation: Operation,
  askUsage: boolean,
  log: DebugLogger | undefined,
): PreparedRequest | undefined {
  let split;
  try {
    split = splitCallOptions(args[0], log);
  } catch (error) {
    log?.('could not read the request body; this call is not tracked', error);
    return undefined;
  }
  const body = split.body;
  if (body === null || typeof body !== 'object') return undefined;
  const written = body as Record<string, unknown>;
  let sent = written;
  let usageAsked = false;
  if (written.stream === true) {
    if (!operation.accumulateStream) return undefined;
    if (askUsage && operation.streamUsageOnRequest) {
      try {
        const streamOptions = withUsageAsked(written.stream_options);
        if (streamOptions) {
          // Without this, chat and legacy completion streams report no token usage at all.
          sent = withKey(written, 'stream_options', streamOptions);
          usageAsked = true;
        }
      } catch (error) {
        // A getter that throws when the copy reads it (the SDK reads it only when it sends): the
        // SDK gets the body as it is. Still tracked, without the usage.
        log?.("could not copy the request body to ask for the stream's usage; this call is tracked without token counts", error);
      }
    }
  }
  const sentArgs = sent === args[0] ? args : withBody(args, sent);
  return { args: sentArgs, body: written, callOptions: split.callOptions, usageAsked, requestOptions: args[1] };
}
