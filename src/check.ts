import { newUuid } from './events/ids.js';
import { networkCode } from './posthog-errors.js';
import { LIB_NAME, LIB_VERSION } from './version.js';

/**
 * Where a connection check sends its test event. A posthog-node `PostHog` client fits (it has
 * `apiKey` and `host`); so does a plain `{ apiKey, host }`.
 */
export interface PostHogConnection {
  /** The project API key (`phc_...`). */
  readonly apiKey?: string;
  /** The PostHog host. Default `https://us.i.posthog.com`, as in posthog-node. */
  readonly host?: string;
}

/** What a connection check found. Only `ok` means the test event was accepted. */
export type PostHogCheckStatus = 'ok' | 'missing-key' | 'wrong-host' | 'unreachable' | 'rejected' | 'disabled';

/** The answer of {@link checkPostHog}. */
export interface PostHogCheckResult {
  /** True when PostHog accepted the test event. */
  readonly ok: boolean;
  readonly status: PostHogCheckStatus;
  /** What is wrong and what to do about it, in plain words (or what was sent, when OK). */
  readonly message: string;
  /** The host that was checked, without a trailing slash. */
  readonly host: string;
  /** The HTTP status PostHog answered with, when it answered. */
  readonly httpStatus?: number;
}

/** Options of {@link checkPostHog}. */
export interface CheckPostHogOptions {
  /** The longest to wait for PostHog's answer, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Print the result: `true` prints it with `console.log`, a function receives the line. Default false. */
  print?: boolean | ((line: string) => void);
  /** The `fetch` to send with. Default the global `fetch`. */
  fetch?: typeof fetch;
  /** The distinct id of the test event. Default `tracked-openai-check` (no person profile is made). */
  distinctId?: string;
}

/** The event name of the test event, so that it can be found (or filtered out) in PostHog. */
export const CHECK_EVENT_NAME = 'tracked_openai_check';

const DEFAULT_HOST = 'https://us.i.posthog.com';
const DEFAULT_TIMEOUT_MS = 10_000;
const CLOUD_HOSTS = 'https://us.i.posthog.com (US cloud) or https://eu.i.posthog.com (EU cloud)';

function readString(source: unknown, name: string): string | undefined {
  try {
    const value = (source as Record<string, unknown>)[name];
    return typeof value === 'string' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** A key that came from an unset environment variable (`${undefined}`) is no key either. */
function isMissingKey(key: string | undefined): boolean {
  return key === undefined || key === '' || key === 'undefined' || key === 'null';
}

function keyHint(key: string): string {
  if (key.startsWith('phx_') || key.startsWith('phs_')) {
    return ' The key looks like a personal or secret API key; events need the project API key (phc_...).';
  }
  return '';
}

/** The message of the innermost cause: `fetch failed` alone says nothing. */
function innermostMessage(error: unknown): string {
  let current: unknown = error;
  let message = String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    message = current.message;
    current = current.cause;
  }
  return message;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** A failed connection, explained; `wrong-host` when the name does not resolve, else `unreachable`. */
function explainNetworkFailure(error: unknown, host: string, timeoutMs: number): { status: PostHogCheckStatus; message: string } {
  if (isTimeout(error)) {
    return {
      status: 'unreachable',
      message: `No answer from ${host} within ${timeoutMs} ms. A firewall or proxy may block it, or the host is down.`,
    };
  }
  const code = networkCode(error);
  if (code === 'ENOTFOUND') {
    return {
      status: 'wrong-host',
      message: `The host name of ${host} does not resolve. Check the host for a typo: PostHog Cloud is ${CLOUD_HOSTS}. (Or this machine has no DNS.)`,
    };
  }
  if (code === 'ECONNREFUSED') {
    return {
      status: 'unreachable',
      message: `Nothing accepts connections at ${host} (connection refused). Check the host and port; a self-hosted PostHog may not be running.`,
    };
  }
  const detail = code ?? innermostMessage(error);
  return { status: 'unreachable', message: `Could not reach ${host} (${detail}). Check the host and this machine's network or proxy.` };
}

/** An HTTP answer other than success, explained. */
function explainHttpStatus(status: number, host: string, key: string, body: string): { status: PostHogCheckStatus; message: string } {
  if (status === 401 || status === 403) {
    return {
      status: 'rejected',
      message:
        `PostHog at ${host} rejected the project API key (HTTP ${status}). Use the project API key (phc_...) ` +
        `from Project settings of the project on this host; US and EU cloud projects have different keys.${keyHint(key)}`,
    };
  }
  if (status === 404 || status === 405) {
    return {
      status: 'wrong-host',
      message: `${host} has no PostHog capture API (HTTP ${status}). Use ${CLOUD_HOSTS}, or your self-hosted PostHog's URL.`,
    };
  }
  const excerpt = body ? `: ${body}` : '';
  return { status: 'rejected', message: `PostHog at ${host} did not accept the test event (HTTP ${status}${excerpt}).` };
}

async function readExcerpt(response: Response, key: string): Promise<string> {
  try {
    const text = (await response.text()).replace(/\s+/g, ' ').trim();
    const safe = key.length >= 4 ? text.split(key).join('[key]') : text;
    return safe.length > 200 ? `${safe.slice(0, 200)}…` : safe;
  } catch {
    return '';
  }
}

function report(result: PostHogCheckResult, print: CheckPostHogOptions['print']): PostHogCheckResult {
  if (print) {
    const line = `[tracked-openai] PostHog check: ${result.ok ? 'OK' : result.status}: ${result.message}`;
    try {
      if (typeof print === 'function') print(line);
      else console.log(line);
    } catch {
      // Printing is a courtesy; the result is what counts.
    }
  }
  return result;
}

/**
 * Sends one test event (`tracked_openai_check`) to PostHog and says plainly whether it arrived:
 * `ok`, or what is wrong: `missing-key`, `wrong-host`, `unreachable`, `rejected` (a 401/403 key
 * problem or another HTTP status), or `disabled` (a posthog-node client created with
 * `disabled: true`). It sends once, without retries, and never throws.
 *
 * Pass your posthog-node client (its `apiKey` and `host` are used) or `{ apiKey, host }`. `ok`
 * means the host accepted the event; PostHog may accept an event for a key of no project and drop
 * it later, so to be sure, also look for the event in PostHog's Activity view.
 *
 * @example
 * const result = await checkPostHog(posthog, { print: true });
 * if (!result.ok) process.exitCode = 1;
 */
export async function checkPostHog(posthog: PostHogConnection, options: CheckPostHogOptions = {}): Promise<PostHogCheckResult> {
  const rawHost = readString(posthog, 'host') || DEFAULT_HOST;
  const host = rawHost.replace(/\/+$/, '');
  const key = readString(posthog, 'apiKey');
  const timeoutMs = typeof options.timeoutMs === 'number' && options.timeoutMs > 0 ? options.timeoutMs : DEFAULT_TIMEOUT_MS;
  const done = (result: Omit<PostHogCheckResult, 'host' | 'ok'>) =>
    report({ ok: result.status === 'ok', host, ...result }, options.print);

  if (isMissingKey(key)) {
    return done({
      status: 'missing-key',
      message: 'The PostHog client has no project API key, so posthog-node sends nothing. Pass the project API key (phc_..., in Project settings) as the first argument of new PostHog().',
    });
  }
  const projectKey = key as string;

  let url: URL;
  try {
    url = new URL(`${host}/batch/`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http');
  } catch {
    return done({ status: 'wrong-host', message: `"${host}" is not an http(s) URL. Use ${CLOUD_HOSTS}, or your self-hosted PostHog's URL.` });
  }

  if ((posthog as { disabled?: unknown }).disabled === true) {
    return done({
      status: 'disabled',
      message: 'The PostHog client was created with `disabled: true` (or has been disabled), so it sends nothing.',
    });
  }

  const now = new Date().toISOString();
  const body = JSON.stringify({
    api_key: projectKey,
    batch: [
      {
        event: CHECK_EVENT_NAME,
        distinct_id: options.distinctId ?? 'tracked-openai-check',
        properties: { $lib: LIB_NAME, $lib_version: LIB_VERSION, $process_person_profile: false },
        timestamp: now,
        uuid: newUuid(),
      },
    ],
    sent_at: now,
  });

  const send = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return done(explainNetworkFailure(error, host, timeoutMs));
  }

  const status = response.status;
  if (status >= 300 && status < 400) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location');
    let target = '';
    try {
      if (location) target = ` to ${new URL(location, url).origin}`;
    } catch {
      // An unreadable Location header: say only that it redirects.
    }
    return done({
      status: 'wrong-host',
      httpStatus: status,
      message: `${host} redirects${target} (HTTP ${status}); events sent there can be lost (a redirected POST may become a GET). Use the address it redirects to as the host.`,
    });
  }
  if (status < 200 || status >= 300) {
    return done({ httpStatus: status, ...explainHttpStatus(status, host, projectKey, await readExcerpt(response, projectKey)) });
  }
  const contentType = response.headers.get('content-type') ?? '';
  await response.body?.cancel().catch(() => {});
  if (contentType.includes('text/html')) {
    return done({
      status: 'wrong-host',
      httpStatus: status,
      message: `${host} answered with a web page, not PostHog's capture API. Use ${CLOUD_HOSTS}, or your self-hosted PostHog's URL.`,
    });
  }
  return done({
    status: 'ok',
    httpStatus: status,
    message: `PostHog at ${host} accepted a test event (${CHECK_EVENT_NAME}). If tracked calls still don't show, turn on debug: true and see the README's troubleshooting.`,
  });
}
