import type { UnitCounts } from '../pricing/types.js';
import { pickParameters, type Operation } from './operation.js';
import { TranscriptionStreamAccumulator } from './transcriptions-stream.js';
import { describeUpload } from './uploads.js';

const TRANSCRIPTION_PARAMETERS: ReadonlySet<string> = new Set([
  'language',
  'response_format',
  'temperature',
  'timestamp_granularities',
  'include',
  'chunking_strategy',
  'stream',
]);

/** `$ai_input`: the audio file, described (name, type, size where known; never read), and the prompt if any. */
function audioInput(body: Record<string, unknown>): unknown {
  const content: unknown[] = [];
  const file = describeUpload(body.file);
  if (file) content.push(file);
  if (typeof body.prompt === 'string' && body.prompt.length > 0) content.push({ type: 'text', text: body.prompt });
  return [{ role: 'user', content }];
}

/** A transcription in `text`, `srt` or `vtt` format is parsed as a string: the event takes it as the text. */
function transcriptionResult(data: unknown): Record<string, unknown> {
  if (typeof data === 'string') return { text: data };
  return data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
}

/**
 * The seconds of audio the answer says it heard: `usage.seconds` (models billed by duration), else
 * the verbose or diarized response's `duration`. A `text`, `srt` or `vtt` answer says neither.
 */
function audioSeconds(result: Record<string, unknown>): number | undefined {
  const usage = result.usage;
  const seconds = usage !== null && typeof usage === 'object' ? (usage as Record<string, unknown>).seconds : undefined;
  const given = typeof seconds === 'number' ? seconds : result.duration;
  return typeof given === 'number' && Number.isFinite(given) && given >= 0 ? given : undefined;
}

function audioUnits(_body: Record<string, unknown>, result: Record<string, unknown>): UnitCounts {
  const seconds = audioSeconds(result);
  return seconds === undefined ? {} : { audioSeconds: seconds };
}

/** `audio_seconds`: PostHog has no property for it. */
function audioProperties(_body: Record<string, unknown>, result: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const seconds = result ? audioSeconds(result) : undefined;
  return seconds === undefined ? undefined : { audio_seconds: seconds };
}

/**
 * Speech to text: `audio.transcriptions.create` (streamed or not) and `audio.translations.create`.
 * The gpt-4o-*-transcribe models are priced by their tokens (audio input at its own rate); whisper-1
 * and gpt-transcribe by the seconds of audio, unknown (`no_audio_duration`) when the answer does not say.
 */
export const transcriptionsOperation: Operation = {
  event: '$ai_generation',
  input: audioInput,
  parameters: (body) => pickParameters(body, TRANSCRIPTION_PARAMETERS),
  output: (result) => (typeof result.text === 'string' ? [{ role: 'assistant', content: result.text }] : []),
  stopReason: () => undefined,
  resultOf: transcriptionResult,
  units: audioUnits,
  extraProperties: audioProperties,
  accumulateStream: () => new TranscriptionStreamAccumulator(),
};

/** `audio.translations.create`: as a transcription (into English), never streamed. */
export const translationsOperation: Operation = {
  ...transcriptionsOperation,
  accumulateStream: undefined,
};
