/**
 * What posthog-node reports about deliveries that failed, in plain words for the debug log (and
 * for `checkPostHog()`). posthog-node sends in the background, so these reach nobody else.
 */
import { readOr } from './safe-read.js';
import type { DebugLogger, PostHogLike } from './options.js';

/** The network error code (`ECONNREFUSED`, `ENOTFOUND`, ...) somewhere in an error's causes. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown; error?: unknown }).cause ?? (current as { error?: unknown }).error;
  }
  return undefined;
}

/**
 * A posthog-node delivery error (from its `error` event), in plain words for the debug log.
 * posthog-node's HTTP errors carry `status`; its network errors carry the cause.
 */
export function explainDeliveryError(error: unknown, host: string | undefined): string {
  const where = host ? ` at ${host}` : '';
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    if (status === 401 || status === 403) return `PostHog${where} rejected the project API key (HTTP ${status})`;
    if (status === 404 || status === 405) return `there is no PostHog capture API${where} (HTTP ${status}): check the host`;
    return `PostHog${where} did not accept the events (HTTP ${status})`;
  }
  const code = networkCode(error);
  if (code === 'ENOTFOUND') return `the PostHog host${where} does not resolve: check the host`;
  if (code === 'ECONNREFUSED') return `nothing accepts connections${where} (connection refused)`;
  if (code || (error as { name?: unknown } | null)?.name === 'PostHogFetchNetworkError') {
    return `PostHog${where} could not be reached${code ? ` (${code})` : ''}`;
  }
  return `posthog-node reported an error: ${error instanceof Error ? error.message : String(error)}`;
}

/** The debug loggers that hear a PostHog client's delivery errors, one `error` listener per client. */
const deliveryLoggers = new WeakMap<object, Set<DebugLogger>>();
/** Enough for every tracked client of one PostHog client; more would only repeat the same lines. */
const MAX_DELIVERY_LOGGERS = 8;

/**
 * posthog-node sends in the background and reports a failed delivery (a rejected key, a wrong host,
 * no network) only through its `error` event; `captureImmediate()` resolves all the same. With
 * `debug`, that event is where those problems are logged.
 */
export function logDeliveryErrors(posthog: PostHogLike, log: DebugLogger): void {
  const on = readOr(posthog, 'on', undefined);
  if (typeof on !== 'function') return;
  let loggers = deliveryLoggers.get(posthog);
  if (!loggers) {
    const listeners = new Set<DebugLogger>();
    loggers = listeners;
    deliveryLoggers.set(posthog, listeners);
    const host = readOr(posthog, 'host', undefined);
    try {
      on.call(posthog, 'error', (error: unknown) => {
        const line = `PostHog did not get events: ${explainDeliveryError(error, typeof host === 'string' ? host : undefined)}`;
        for (const logger of listeners) logger(line, error);
      });
    } catch {
      // A client whose on() fails: its problems can't be heard, everything else still works.
    }
  }
  if (loggers.size < MAX_DELIVERY_LOGGERS) loggers.add(log);
}
