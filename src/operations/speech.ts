import type { UnitCounts } from '../pricing/types.js';
import { pickParameters, type Operation } from './operation.js';

const SPEECH_PARAMETERS: ReadonlySet<string> = new Set(['voice', 'response_format', 'speed', 'stream_format']);

/** Characters as OpenAI counts them for tts-1: Unicode code points, not UTF-16 units. */
function characterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // The high half of a surrogate pair: the pair is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) i++;
    count++;
  }
  return count;
}

function inputCharacters(body: Record<string, unknown>): number | undefined {
  return typeof body.input === 'string' ? characterCount(body.input) : undefined;
}

/**
 * The speech answer, described from its headers: the SDK hands the caller the raw `Response`, whose
 * audio body is theirs alone (never read here). Its size is known when the server sent a length.
 */
function describeAudioResponse(data: unknown): Record<string, unknown> {
  // Any fetch's response (a custom `fetch` option may not return the global class): only its headers are read.
  const headers = data !== null && typeof data === 'object' ? (data as { headers?: unknown }).headers : undefined;
  if (headers === null || typeof headers !== 'object' || typeof (headers as Headers).get !== 'function') return {};
  const described: Record<string, unknown> = {};
  const type = (headers as Headers).get('content-type');
  if (type) described.content_type = type;
  const length = Number((headers as Headers).get('content-length') ?? Number.NaN);
  if (Number.isSafeInteger(length) && length >= 0) described.bytes = length;
  return described;
}

function speechOutput(result: Record<string, unknown>): unknown {
  const audio: Record<string, unknown> = { type: 'audio' };
  if (typeof result.content_type === 'string') audio.format = result.content_type;
  if (typeof result.bytes === 'number') audio.bytes = result.bytes;
  return [{ role: 'assistant', content: [audio] }];
}

function speechUnits(body: Record<string, unknown>): UnitCounts {
  const characters = inputCharacters(body);
  return characters === undefined ? {} : { characters };
}

/**
 * Text to speech: `audio.speech.create`. The answer is a binary body the caller reads: the call's
 * event is sent once the response headers arrive, and tracking never reads, clones or buffers the
 * audio. tts-1 and tts-1-hd are priced per character of input; gpt-4o-mini-tts bills tokens, which
 * the API reports only inside the audio stream's own events, so its cost stays unknown (`no_usage`).
 */
export const speechOperation: Operation = {
  event: '$ai_generation',
  input: (body) => {
    const messages: unknown[] = [];
    if (typeof body.instructions === 'string' && body.instructions.length > 0) messages.push({ role: 'system', content: body.instructions });
    messages.push({ role: 'user', content: body.input });
    return messages;
  },
  parameters: (body) => pickParameters(body, SPEECH_PARAMETERS),
  output: speechOutput,
  stopReason: () => undefined,
  resultOf: describeAudioResponse,
  binaryResponse: true,
  units: speechUnits,
  // `input_characters`: PostHog has no property for it (a count, sent in privacy mode too).
  extraProperties: (body) => {
    const characters = inputCharacters(body);
    return characters === undefined ? undefined : { input_characters: characters };
  },
};
