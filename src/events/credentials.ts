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

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
