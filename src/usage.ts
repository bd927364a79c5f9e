/** Token counts read from any OpenAI `usage` object (chat, legacy completions, Responses, embeddings). */
export interface TokenCounts {
  /** All input tokens, cached and cache-write tokens included. */
  input: number;
  /** All output tokens, reasoning tokens included (0 for embeddings). */
  output: number;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  reasoning: number | undefined;
}

type UnknownRecord = Record<string, unknown>;

function count(value: unknown): number | undefined {
  // Negative, fractional or non-numeric counts are not counts: leave them out rather than send NaN.
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

function details(usage: UnknownRecord, key: string): UnknownRecord {
  const value = usage[key];
  return value !== null && typeof value === 'object' ? (value as UnknownRecord) : {};
}

/**
 * Chat and legacy completions report `prompt_tokens` / `completion_tokens` (embeddings: only
 * `prompt_tokens`); the Responses API reports `input_tokens` / `output_tokens`. OpenAI's cached and
 * reasoning counts are already inside those totals.
 */
export function readTokenCounts(usage: unknown): TokenCounts | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const u = usage as UnknownRecord;
  const responsesShape = u.input_tokens !== undefined || u.output_tokens !== undefined;
  const inputDetails = details(u, responsesShape ? 'input_tokens_details' : 'prompt_tokens_details');
  const outputDetails = details(u, responsesShape ? 'output_tokens_details' : 'completion_tokens_details');
  const input = count(responsesShape ? u.input_tokens : u.prompt_tokens);
  const output = count(responsesShape ? u.output_tokens : u.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: count(inputDetails.cached_tokens),
    cacheWrite: count(inputDetails.cache_write_tokens ?? u.cache_write_tokens),
    reasoning: count(outputDetails.reasoning_tokens),
  };
}
