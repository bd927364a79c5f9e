import { readOr } from '../safe-read.js';
import { isRecord } from '../validation.js';

/**
 * Credentials that requests carry outside the client's own key: in a URL (`user:password@`, or a
 * key in the query string, as some gateways take it) and in tool definitions (a Responses `mcp`
 * tool's `authorization` and `headers`, a connector's token). Events never carry them, whatever
 * the privacy mode.
 */

const REDACTED = '[redacted]';

/** `url` without its userinfo, query and fragment; as written when it has none of them. */
export function urlWithoutCredentials(url: string): string {
  if (!/[@?#]/.test(url)) return url;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    // Not a URL the platform parses: cut what could carry a secret by hand.
    return url.replace(/[?#].*$/s, '').replace(/\/\/[^/]*@/, '//');
  }
}

/** A tool definition as an event may show it: its credentials replaced by a marker. */
function toolWithoutCredentials(tool: unknown): unknown {
  if (!isRecord(tool)) return tool;
  const hasAuthorization = tool.authorization !== undefined && tool.authorization !== null;
  const headers = tool.headers;
  const serverURL = tool.server_url;
  const cleanURL = typeof serverURL === 'string' ? urlWithoutCredentials(serverURL) : serverURL;
  if (!hasAuthorization && !isRecord(headers) && cleanURL === serverURL) return tool;
  const copy: Record<string, unknown> = { ...tool };
  if (hasAuthorization) copy.authorization = REDACTED;
  if (isRecord(headers)) copy.headers = Object.fromEntries(Object.keys(headers).map((name) => [name, REDACTED]));
  if (cleanURL !== serverURL) copy.server_url = cleanURL;
  return copy;
}

/** `$ai_tools`: a copy of the request's tools (the caller may change its array later), without credentials. */
export function toolsWithoutCredentials(tools: readonly unknown[]): unknown[] {
  return tools.map(toolWithoutCredentials);
}

function addHeaderValue(secrets: string[], value: unknown): void {
  if (typeof value !== 'string') return;
  secrets.push(value);
  // "Bearer <token>", "Basic <credentials>": the token alone may be what an error echoes.
  const token = /^\S+\s+(\S+)$/.exec(value.trim())?.[1];
  if (token) secrets.push(token);
}

/** The values of the `headers` of a call's request options, which may hold per-request credentials. */
export function requestOptionSecrets(options: unknown): string[] {
  if (options === null || typeof options !== 'object') return [];
  return headerSecrets(readOr(options, 'headers', undefined));
}

/** The values of headers given as a record, a `Headers` object or `[name, value]` pairs. */
export function headerSecrets(headers: unknown): string[] {
  const secrets: string[] = [];
  try {
    if (headers === null || typeof headers !== 'object') return secrets;
    if (typeof (headers as Headers).forEach === 'function' && !Array.isArray(headers)) {
      (headers as Headers).forEach((value) => addHeaderValue(secrets, value));
    } else if (Array.isArray(headers)) {
      for (const pair of headers) if (Array.isArray(pair)) addHeaderValue(secrets, pair[1]);
    } else {
      for (const value of Object.values(headers)) addHeaderValue(secrets, value);
    }
  } catch {
    // Headers that can't be read: nothing to add.
  }
  return secrets;
}

/**
 * Every credential a client knows, so that no error message carries one into an event: its API key
 * (of any shape), organization and project, the values of its default headers and default query,
 * and its base URL's userinfo. Read when needed: a client may change its key.
 */
export function secretsOf(client: object): string[] {
  const secrets: string[] = [];
  try {
    const { apiKey, adminAPIKey, organization, project, baseURL, _options } = client as {
      apiKey?: unknown;
      adminAPIKey?: unknown;
      organization?: unknown;
      project?: unknown;
      baseURL?: unknown;
      _options?: { defaultHeaders?: unknown; defaultQuery?: unknown } | null;
    };
    for (const value of [apiKey, adminAPIKey, organization, project]) if (typeof value === 'string') secrets.push(value);
    secrets.push(...headerSecrets(_options?.defaultHeaders));
    const query = _options?.defaultQuery;
    if (query !== null && typeof query === 'object') {
      for (const value of Object.values(query)) if (typeof value === 'string') secrets.push(value);
    }
    if (typeof baseURL === 'string' && baseURL.includes('@')) {
      const url = new URL(baseURL);
      for (const part of [url.username, url.password]) if (part) secrets.push(part, decodeURIComponent(part));
    }
  } catch {
    // A client whose fields can't be read, or a base URL that doesn't parse: what was found so far.
  }
  return secrets;
}

const MAX_REMEMBERED = 1000;
const remembered = new Set<string>();

/**
 * Remembers the credentials of a client as it is tracked: a trace or span that fails before any
 * tracked call ran in it knows no client, and its error is scrubbed of every client's credentials.
 * The most recent 1,000 are kept.
 */
export function rememberSecretsOf(client: object): void {
  for (const secret of secretsOf(client)) {
    remembered.delete(secret);
    remembered.add(secret);
    if (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
  }
}

/** The credentials of the clients tracked so far (see `rememberSecretsOf`). */
export function rememberedSecrets(): Iterable<string> {
  return remembered;
}
