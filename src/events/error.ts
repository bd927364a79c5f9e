/** What an event may say about a failed call: never a stack, a file path or a credential. */
export interface ErrorFacts {
  /** `$ai_error`: "Class: message (code: …)". */
  message: string;
  /** `$ai_http_status`, when the failure was an HTTP answer. */
  status: number | undefined;
}

const MAX_ERROR_LENGTH = 2000;

// Anything shaped like an OpenAI key or a bearer token, and file paths that a non-SDK error may carry.
const SECRET_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_*-]{6,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /(?:[A-Za-z]:)?(?:[\\/][\w.@-]+){2,}\.(?:[cm]?js|ts|node)(?::\d+)*/g,
];

function scrub(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length >= 8) clean = clean.split(secret).join('[redacted]');
  }
  for (const pattern of SECRET_PATTERNS) clean = clean.replace(pattern, '[redacted]');
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH)}…` : clean;
}

/**
 * Describes an error thrown by the SDK (APIError and its subclasses, connection errors, timeouts,
 * aborts) or by anything beneath it. The caller still gets the original object: this only reads it.
 * `reduced` leaves out the message (privacy mode).
 */
export function describeError(error: unknown, secrets: readonly string[], reduced = false): ErrorFacts {
  if (error === null || typeof error !== 'object') {
    return { message: reduced ? 'Error' : scrub(`Error: ${String(error)}`, secrets), status: undefined };
  }
  const e = error as {
    name?: unknown;
    message?: unknown;
    status?: unknown;
    code?: unknown;
    type?: unknown;
    cause?: { code?: unknown; cause?: { code?: unknown } };
  };
  const className =
    (typeof e.constructor?.name === 'string' && e.constructor.name !== 'Object' && e.constructor.name) ||
    (typeof e.name === 'string' && e.name) ||
    'Error';
  const status = typeof e.status === 'number' ? e.status : undefined;
  // Reduced (privacy mode): class, status and code only, since a provider message may quote the input.
  let message = reduced
    ? String(className)
    : `${className}: ${typeof e.message === 'string' ? e.message : String(e.message ?? '')}`;
  const extra: string[] = [];
  if (reduced && status !== undefined) extra.push(`status: ${status}`);
  if (typeof e.code === 'string' || typeof e.code === 'number') extra.push(`code: ${e.code}`);
  if (typeof e.type === 'string') extra.push(`type: ${e.type}`);
  // Connection errors say only "Connection error."; the system code beneath (ECONNREFUSED, ...) says why.
  const causeCode = e.cause?.code ?? e.cause?.cause?.code;
  if (typeof causeCode === 'string') extra.push(`cause: ${causeCode}`);
  if (extra.length > 0) message += ` (${extra.join(', ')})`;
  return { message: scrub(message, secrets), status };
}
