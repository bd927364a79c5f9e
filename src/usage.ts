/** Token counts read from any OpenAI `usage` object (chat, legacy completions, Responses, embeddings, images, transcriptions). */
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
  /** Image tokens inside `input` (`input_tokens_details.image_tokens` / `prompt_tokens_details.image_tokens`). */
  inputImage: number | undefined;
  /** Image tokens inside `output` (the image models' `output_tokens_details.image_tokens`). */
  outputImage?: number | undefined;
  /** The usage fields that held a negative or non-numeric value and were left out. */
  invalid: string[];
}

type UnknownRecord = Record<string, unknown>;

const NO_DETAILS: UnknownRecord = Object.freeze({}) as UnknownRecord;

function details(usage: UnknownRecord, key: string): UnknownRecord {
  const value = usage[key];
  return value !== null && typeof value === 'object' ? (value as UnknownRecord) : NO_DETAILS;
}

/** The field names of one shape of usage object. */
interface UsageShape {
  input: string;
  output: string;
  inputDetails: string;
  outputDetails: string;
}

const CHAT_SHAPE: UsageShape = {
  input: 'prompt_tokens',
  output: 'completion_tokens',
  inputDetails: 'prompt_tokens_details',
  outputDetails: 'completion_tokens_details',
};
const RESPONSES_SHAPE: UsageShape = {
  input: 'input_tokens',
  output: 'output_tokens',
  inputDetails: 'input_tokens_details',
  outputDetails: 'output_tokens_details',
};

/**
 * A token count as reported: undefined when absent (undefined, null). Negative, non-finite or
 * non-numeric counts are not counts: left out, and their name added to `invalid`, rather than NaN sent.
 */
function count(value: unknown, invalid: string[], where: string, field?: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  invalid.push(field === undefined ? where : `${where}.${field}`);
  return undefined;
}

/**
 * Chat and legacy completions report `prompt_tokens` / `completion_tokens` (embeddings: only
 * `prompt_tokens`); the Responses API reports `input_tokens` / `output_tokens`. OpenAI's cached,
 * reasoning and audio counts are already inside those totals.
 */
export function readTokenCounts(usage: unknown): TokenCounts | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const u = usage as UnknownRecord;
  const shape = u.input_tokens !== undefined || u.output_tokens !== undefined ? RESPONSES_SHAPE : CHAT_SHAPE;
  // Transcriptions spell their input details `input_token_details`.
  const inputDetails = shape === RESPONSES_SHAPE && u.input_tokens_details == null ? details(u, 'input_token_details') : details(u, shape.inputDetails);
  const outputDetails = details(u, shape.outputDetails);
  const invalid: string[] = [];

  const input = count(u[shape.input], invalid, shape.input);
  const output = count(u[shape.output], invalid, shape.output);
  if (input === undefined && output === undefined) return undefined;
  const cacheWriteNested = inputDetails.cache_write_tokens;
  return {
    input: input ?? 0,
    output: output ?? 0,
    cacheRead: count(inputDetails.cached_tokens, invalid, shape.inputDetails, 'cached_tokens'),
    cacheWrite:
      cacheWriteNested !== undefined && cacheWriteNested !== null
        ? count(cacheWriteNested, invalid, shape.inputDetails, 'cache_write_tokens')
        : count(u.cache_write_tokens, invalid, 'cache_write_tokens'),
    reasoning: count(outputDetails.reasoning_tokens, invalid, shape.outputDetails, 'reasoning_tokens'),
    inputAudio: count(inputDetails.audio_tokens, invalid, shape.inputDetails, 'audio_tokens'),
    outputAudio: count(outputDetails.audio_tokens, invalid, shape.outputDetails, 'audio_tokens'),
    inputImage: count(inputDetails.image_tokens, invalid, shape.inputDetails, 'image_tokens'),
    outputImage: count(outputDetails.image_tokens, invalid, shape.outputDetails, 'image_tokens'),
    invalid,
  };
}
