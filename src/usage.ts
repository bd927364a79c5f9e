/** Token counts read from any OpenAI `usage` object (chat, legacy completions, Responses, embeddings). */
export interface TokenCounts {
  /** All input tokens, cached, cache-write and audio tokens included. */
  input: number;
  /** All output tokens, reasoning and audio tokens included (0 for embeddings). */
  output: number;
  cacheRead: number | undefined;
  cacheWrite: number | undefined;
  reasoning: number | undefined;
  /** Audio tokens inside `input` (chat `prompt_tokens_details.audio_tokens`). */
  inputAudio: number | undefined;
  /** Audio tokens inside `output` (chat `completion_tokens_details.audio_tokens`). */
  outputAudio: number | undefined;
  /** The usage fields that held a negative or non-numeric value and were left out. */
  invalid: string[];
}

type UnknownRecord = Record<string, unknown>;

function details(usage: UnknownRecord, key: string): UnknownRecord {
  const value = usage[key];
  return value !== null && typeof value === 'object' ? (value as UnknownRecord) : {};
}

/**
 * Chat and legacy completions report `prompt_tokens` / `completion_tokens` (embeddings: only
 * `prompt_tokens`); the Responses API reports `input_tokens` / `output_tokens`. OpenAI's cached,
 * reasoning and audio counts are already inside those totals.
 */
export function readTokenCounts(usage: unknown): TokenCounts | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const u = usage as UnknownRecord;
  const responsesShape = u.input_tokens !== undefined || u.output_tokens !== undefined;
  const inputKey = responsesShape ? 'input_tokens' : 'prompt_tokens';
  const outputKey = responsesShape ? 'output_tokens' : 'completion_tokens';
  const inputDetailsKey = `${inputKey}_details`;
  const outputDetailsKey = `${outputKey}_details`;
  const inputDetails = details(u, inputDetailsKey);
  const outputDetails = details(u, outputDetailsKey);
  const invalid: string[] = [];

  // Negative, non-finite or non-numeric counts are not counts: leave them out (and say so) rather
  // than send NaN. Absent fields (undefined, null) are simply not reported.
  const count = (value: unknown, name: string): number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
    invalid.push(name);
    return undefined;
  };

  const input = count(u[inputKey], inputKey);
  const output = count(u[outputKey], outputKey);
  if (input === undefined && output === undefined) return undefined;
  const cacheWriteValue = inputDetails.cache_write_tokens ?? u.cache_write_tokens;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: count(inputDetails.cached_tokens, `${inputDetailsKey}.cached_tokens`),
    cacheWrite: count(
      cacheWriteValue,
      inputDetails.cache_write_tokens !== undefined ? `${inputDetailsKey}.cache_write_tokens` : 'cache_write_tokens',
    ),
    reasoning: count(outputDetails.reasoning_tokens, `${outputDetailsKey}.reasoning_tokens`),
    inputAudio: count(inputDetails.audio_tokens, `${inputDetailsKey}.audio_tokens`),
    outputAudio: count(outputDetails.audio_tokens, `${outputDetailsKey}.audio_tokens`),
    invalid,
  };
}
