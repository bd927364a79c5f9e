/**
 * What one OpenAI API means to analytics: how to read its request and its result.
 * Adding an API means one new file here and one line in `intercept/method-table.ts`.
 */
import type { EMBEDDING_EVENT, GENERATION_EVENT } from '../events/vocabulary.js';
import type { ToolCalls, UnitCounts } from '../pricing/types.js';

export interface Operation {
  /** The PostHog event this API's calls produce. */
  readonly event: typeof GENERATION_EVENT | typeof EMBEDDING_EVENT;
  /** `$ai_input`: what was sent to the model. */
  input(body: Record<string, unknown>): unknown;
  /** `$ai_model_parameters`: the request's settings (model and input excluded). */
  parameters(body: Record<string, unknown>): Record<string, unknown>;
  /**
   * The parameters that carry content (text of the conversation, template values), which privacy
   * mode leaves out as it does the input: the whole value (`true`), or one field of it.
   */
  readonly contentParameters?: Readonly<Record<string, true | string>>;
  /** `$ai_output_choices`: what the model answered (null for embeddings). */
  output(result: Record<string, unknown>): unknown;
  /** `$ai_stop_reason`: why the model stopped, when the API says. */
  stopReason(result: Record<string, unknown>): string | undefined;
  /** The built-in tools the call used that are billed per call (web and file searches), when the API has any. */
  toolCalls?(body: Record<string, unknown>, result: Record<string, unknown>): ToolCalls | undefined;
  /** For APIs that stream: a new accumulator for one streamed call. */
  accumulateStream?(): StreamAccumulator;
  /**
   * True when streamed token usage must be asked for (`stream_options.include_usage`), as with chat
   * and legacy completions; the Responses API always reports it.
   */
  readonly streamUsageOnRequest?: boolean;
  /** The API costs nothing (moderations): its calls are priced at $0, not left without a price. */
  readonly free?: boolean;
  /**
   * What a successful call used that is billed by a unit other than tokens (images made, seconds
   * of audio, characters of text), for the APIs that have one: the models priced per that unit
   * (dall-e, whisper-1, tts-1) are priced with it; the others ignore it.
   */
  units?(body: Record<string, unknown>, result: Record<string, unknown>): UnitCounts | undefined;
  /**
   * Event properties for what PostHog's `$ai_*` vocabulary has no name for (image count, seconds
   * of audio, characters), named without `$ai_` (docs/events.md). Counts and settings, never
   * content: sent in privacy mode too. `result` is undefined when the call failed.
   */
  extraProperties?(body: Record<string, unknown>, result: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
  /**
   * The result as a record, for APIs whose parsed answer is not a JSON object (a transcription in
   * `text` format, speech's raw `Response`). It must not read a body. Default: the object itself.
   */
  resultOf?(data: unknown): Record<string, unknown>;
  /**
   * The answer is a binary body that only the caller reads (speech): tracking never reads nor
   * clones it, even when the caller takes the raw `Response` (`asResponse()`); the call ends when
   * its headers arrive.
   */
  readonly binaryResponse?: boolean;
  /**
   * For APIs whose call can start a job that goes on after it (a Responses call with
   * `background: true`): the call's event waits for the job's end (see `intercept/background.ts`).
   */
  readonly background?: BackgroundRules;
}

/** How to read a background job's state from an API's results (its create's, and its retrieves' and cancels'). */
export interface BackgroundRules {
  /** Whether this request starts a job that may outlive its call. */
  starts(body: Record<string, unknown>): boolean;
  /** The job's id, when `result` shows it still running; undefined when it has ended or shows no job. */
  runningId(result: Record<string, unknown>): string | undefined;
  /** Whether `result` shows the job ended (however it ended). */
  ended(result: Record<string, unknown>): boolean;
  /** When `result` shows the job failed: its failure, as the event's error. */
  failure(result: Record<string, unknown>): unknown;
}

/**
 * Builds, chunk by chunk as the caller reads them, a result shaped like the API's non-streamed
 * result, so that the event is built the same way for both. Text arrives in fragments that are
 * collected in arrays and joined once at the end (no quadratic string building).
 */
export interface StreamAccumulator {
  /** Takes one chunk; returns true when it carries content (for the time to first token). */
  add(chunk: Record<string, unknown>): boolean;
  /** What was received so far, as a non-streamed result. */
  result(): Record<string, unknown>;
  /** An error the provider reported inside the stream without the SDK throwing it, if any. */
  providerError(): unknown;
}

/** The usage-only chunk that `include_usage` adds at the end of chat and legacy completion streams. */
export function isUsageOnlyChunk(chunk: Record<string, unknown>): boolean {
  return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null;
}

/**
 * Collects into `call` the fields of a streamed call that describe the whole call, named as in the
 * non-streamed result: the first `id`, `model` and `created` seen, the last `service_tier` and `usage`.
 */
export function collectCallFields(call: Record<string, unknown>, chunk: Record<string, unknown>): void {
  if (call.id === undefined && typeof chunk.id === 'string') call.id = chunk.id;
  if (call.model === undefined && typeof chunk.model === 'string') call.model = chunk.model;
  if (call.created === undefined && chunk.created !== undefined) call.created = chunk.created;
  if (typeof chunk.service_tier === 'string') call.service_tier = chunk.service_tier;
  if (chunk.usage != null) call.usage = chunk.usage;
}

/** `map`'s values in the order of their numeric keys. */
export function byIndex<T>(map: ReadonlyMap<number, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => a - b).map(([, value]) => value);
}

/** Copies the listed keys that the body sets, in the body's order. */
export function pickParameters(
  body: Record<string, unknown>,
  names: ReadonlySet<string>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of Object.keys(body)) {
    if (names.has(name)) {
      const value = body[name];
      if (value !== undefined) picked[name] = value;
    }
  }
  return picked;
}

/** `parameters` without the content that `contentParameters` names (privacy mode): nulled, on a copy of what is changed. */
export function withoutContent(
  parameters: Record<string, unknown>,
  contentParameters: Readonly<Record<string, true | string>> | undefined,
): Record<string, unknown> {
  if (!contentParameters) return parameters;
  for (const [name, field] of Object.entries(contentParameters)) {
    const value = parameters[name];
    if (value === undefined) continue;
    if (field === true) parameters[name] = null;
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && field in value) {
      parameters[name] = { ...(value as Record<string, unknown>), [field]: null };
    }
  }
  return parameters;
}

/** Reads `record[key]` as an array of records, or an empty array. */
export function recordsAt(record: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = record[key];
  const records: Record<string, unknown>[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === 'object') records.push(item as Record<string, unknown>);
    }
  }
  return records;
}

/** The first choice's `finish_reason` (chat and legacy completions), read without copying the choices. */
export function firstFinishReason(result: Record<string, unknown>): string | undefined {
  const choices = result.choices;
  const first: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const reason = first !== null && typeof first === 'object' ? (first as Record<string, unknown>).finish_reason : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** A shallow copy of an array, so later changes by the caller (a chat loop pushing the reply) don't leak into the event. */
export function snapshot(value: unknown): unknown {
  return Array.isArray(value) ? value.slice() : value;
}
