import type { TrackedCall } from '../call.js';

/**
 * Servers that rejected the `stream_options.include_usage` tracking adds (by base URL): it is not
 * asked of them again. Bounded: a process talks to a handful of servers.
 */
const rejectingServers = new Set<string>();
const MAX_REJECTING_SERVERS = 1000;

/** Whether the server at `baseURL` rejected `stream_options` before: then it is not asked again. */
export function rejectsStreamUsage(baseURL: string | undefined): boolean {
  return baseURL !== undefined && rejectingServers.has(baseURL);
}

/** A 400 or 422 that names `stream_options` or `include_usage`: the server does not take the field. */
function isStreamOptionsRejection(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { status, message, error: body } = error as { status?: unknown; message?: unknown; error?: unknown };
  if (status !== 400 && status !== 422) return false;
  let text = typeof message === 'string' ? message : '';
  try {
    text += JSON.stringify(body) ?? '';
  } catch {
    // an error body that can't be written out: the message alone
  }
  return /stream_options|include_usage/.test(text);
}

interface RequestCarrier {
  responsePromise?: unknown;
}

/**
 * Tracking asked a stream for its usage (`stream_options.include_usage`), which some servers reject
 * as an unknown field (a 400 or 422, before any output: nothing billed). Then the request is sent
 * again as the caller wrote it, and the caller gets that answer through the very promise `create()`
 * returned: the call works as it does untracked, with no usage in its event. The server is
 * remembered and not asked again.
 *
 * The SDK's promise reads its request from its `responsePromise` field (openai 5 to 7), which is
 * replaced by the recovering one. openai 7 also gives each promise its own `_thenUnwrap` and
 * `withResponse`, which read the request they were made over: those are removed, so that the
 * prototype's, which read `responsePromise`, serve instead.
 */
export function recoverFromRejectedUsage(
  promise: unknown,
  resendAsWritten: () => unknown,
  call: TrackedCall,
  baseURL: string | undefined,
): void {
  const carrier = promise as RequestCarrier | null;
  const request = carrier?.responsePromise;
  if (!(request instanceof Promise)) return;
  for (const own of ['_thenUnwrap', 'withResponse']) {
    if (Object.prototype.hasOwnProperty.call(carrier, own) && !Reflect.deleteProperty(carrier!, own)) return;
  }
  carrier!.responsePromise = request.then(undefined, (error: unknown) => {
    if (!isStreamOptionsRejection(error)) throw error;
    if (baseURL !== undefined && rejectingServers.size < MAX_REJECTING_SERVERS) rejectingServers.add(baseURL);
    call.tracking.options.log?.(`${baseURL ?? 'the server'} rejected stream_options.include_usage; the stream is sent again as written, without token usage (and no longer asked for it)`);
    call.hideUsageChunk = false;
    const resent = (resendAsWritten() as RequestCarrier | null)?.responsePromise;
    if (!(resent instanceof Promise)) throw error;
    return resent;
  });
}
