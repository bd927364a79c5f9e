import { expect } from 'vitest';

// The checks the test files repeat: what a caller can observe of a result or an error, the shape
// every event must have, and the SDK's own errors seen from beneath tracking. Nothing here loads nock.

/** What `promise` rejected with (fails when it resolves). */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** What a caller can observe of a result: its JSON and its `_request_id`. */
export function observableResult(value: any) {
  return { json: JSON.parse(JSON.stringify(value ?? null)), requestId: value?._request_id };
}

/** Everything a caller can read off an SDK error. */
export function observableError(error: any) {
  return {
    class: error?.constructor,
    name: error?.name,
    message: error?.message,
    status: error?.status,
    headers: error?.headers ? Object.fromEntries(error.headers) : error?.headers,
    requestID: error?.requestID,
    error: error?.error,
    code: error?.code,
    param: error?.param,
    type: error?.type,
    cause: error?.cause ? { class: error.cause.constructor, message: error.cause.message } : undefined,
  };
}

/** The paths of every number in `value` that is not finite (NaN, Infinity). */
export function nonFiniteNumbers(value: unknown, path = '$', seen = new Set<unknown>()): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) found.push(...nonFiniteNumbers(child, `${path}.${key}`, seen));
  return found;
}

const COUNT_PROPERTIES = [
  '$ai_input_tokens',
  '$ai_output_tokens',
  '$ai_cache_read_input_tokens',
  '$ai_cache_creation_input_tokens',
  '$ai_reasoning_tokens',
];

/** The shape every event must have, whatever the call looked like. */
export function expectWellFormedEvent(message: { event: string; distinctId?: string; distinct_id?: string; properties: Record<string, any> }): void {
  expect(['$ai_generation', '$ai_embedding']).toContain(message.event);
  const distinctId = message.distinctId ?? message.distinct_id;
  expect(typeof distinctId).toBe('string');
  expect((distinctId as string).length).toBeGreaterThan(0);
  const properties = message.properties;
  expect(properties).toBeTypeOf('object');
  expect(nonFiniteNumbers(properties)).toEqual([]);
  expect(() => JSON.stringify(properties)).not.toThrow();
  expect(typeof properties.$ai_latency).toBe('number');
  expect(properties.$ai_latency).toBeGreaterThanOrEqual(0);
  expect(typeof properties.$ai_is_error).toBe('boolean');
  expect(typeof properties.$ai_trace_id).toBe('string');
  expect(properties.$ai_lib).toBe('tracked-openai');
  if (properties.$ai_is_error) expect(typeof properties.$ai_error).toBe('string');
  if ('$ai_http_status' in properties) expect(Number.isInteger(properties.$ai_http_status)).toBe(true);
  for (const name of COUNT_PROPERTIES) {
    if (name in properties) {
      expect(Number.isInteger(properties[name]), name).toBe(true);
      expect(properties[name], name).toBeGreaterThanOrEqual(0);
    }
  }
  for (const name of ['$ai_input_cost_usd', '$ai_output_cost_usd', '$ai_total_cost_usd']) {
    if (name in properties) {
      expect(typeof properties[name], name).toBe('number');
      expect(properties[name], name).toBeGreaterThanOrEqual(0);
    }
  }
  if ('$ai_time_to_first_token' in properties) expect(properties.$ai_time_to_first_token).toBeGreaterThanOrEqual(0);
}

// ---------------------------------------------------------------------------------------------
// The SDK's own errors, seen from beneath tracking

/**
 * A plain SDK client whose chat `create()` is observed before tracking wraps it: `requestErrors`
 * holds what the SDK's own request rejected with, so that a test can check the caller got that very
 * object. Reading the request promise (`asResponse()`) parses nothing.
 */
export function observedSdkClient<C extends { chat: { completions: object } }>(client: C): { client: C; requestErrors: unknown[] } {
  const requestErrors: unknown[] = [];
  const completions = client.chat.completions as { create: (...args: unknown[]) => any };
  const sdkCreate = completions.create;
  completions.create = function create(this: unknown, ...args: unknown[]) {
    const promise = sdkCreate.apply(this, args);
    promise.asResponse().then(undefined, (error: unknown) => requestErrors.push(error));
    return promise;
  };
  return { client, requestErrors };
}

/** A `debug` logger that records what it is told. */
export function recordingLogger() {
  const lines: { message: string; detail: unknown }[] = [];
  const log = (message: string, detail?: unknown) => {
    lines.push({ message, detail });
  };
  return { log, lines, messages: () => lines.map((line) => line.message) };
}
