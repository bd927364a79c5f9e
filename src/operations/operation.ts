/**
 * What one OpenAI API means to analytics: how to read its request and its result.
 * Adding an API means one new file here and one line in `intercept/method-table.ts`.
 */
export interface Operation {
  /** The PostHog event this API's calls produce. */
  readonly event: '$ai_generation' | '$ai_embedding';
  /** `$ai_input`: what was sent to the model. */
  input(body: Record<string, unknown>): unknown;
  /** `$ai_model_parameters`: the request's settings (model and input excluded). */
  parameters(body: Record<string, unknown>): Record<string, unknown>;
  /** `$ai_output_choices`: what the model answered (null for embeddings). */
  output(result: Record<string, unknown>): unknown;
  /** `$ai_stop_reason`: why the model stopped, when the API says. */
  stopReason(result: Record<string, unknown>): string | undefined;
}

/** Copies the listed keys that the body sets. */
export function pickParameters(
  body: Record<string, unknown>,
  names: readonly string[],
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) {
    const value = body[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/** Reads `record[key]` as an array of records, or an empty array. */
export function recordsAt(record: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = record[key];
  return Array.isArray(value) ? (value.filter((item) => item !== null && typeof item === 'object') as Record<string, unknown>[]) : [];
}

/** A shallow copy of an array, so later changes by the caller (a chat loop pushing the reply) don't leak into the event. */
export function snapshot(value: unknown): unknown {
  return Array.isArray(value) ? value.slice() : value;
}
