import { requestOf } from './sdk.js';
import type { CallTap } from './tap.js';

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

/**
 * Tracking asked a stream for its usage (`stream_options.include_usage`), which some servers reject
 * as an unknown field (a 400 or 422, before any output: nothing billed). Then the request is sent
 * again as the caller wrote it (`resendAsWritten`), and its request promise is what the caller's
 * promise reads instead (see promise.ts): the call works as it does untracked, with no usage in its
 * event. The server is remembered and not asked again.
 *
 * Called with the request's failure; undefined when it is not that rejection.
 */
export function resentWithoutUsage(
  error: unknown,
  resendAsWritten: () => unknown,
  tap: CallTap,
  baseURL: string | undefined,
): Promise<unknown> | undefined {
  if (!isStreamOptionsRejection(error)) return undefined;
  if (baseURL !== undefined && rejectingServers.size < MAX_REJECTING_SERVERS) rejectingServers.add(baseURL);
  tap.call.options.log?.(`${baseURL ?? 'the server'} rejected stream_options.include_usage; the stream is sent again as written, without token usage (and no longer asked for it)`);
  tap.usageAsked = false;
  return requestOf(resendAsWritten());
}
