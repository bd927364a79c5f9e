import { Readable } from 'node:stream';
import { OpenAI, toFile } from 'openai';
import { describe, expect, test } from 'vitest';
import { expectWellFormedEvent, rejectionOf } from './support/checks.js';
import { mockOpenAI, mockOpenAIAnswer } from './support/openai.js';
import { eventsOf } from './support/posthog.js';
import { SSE_HEADERS, sseBody, splitEvery } from './support/sse.js';
import { fileGuards, trackedSetup } from './support/tracked.js';

// audio.transcriptions.create (streamed or not) and audio.translations.create: one $ai_generation
// per call, the uploaded audio described and never read, whisper-1 priced by the seconds of audio,
// the gpt-4o-*-transcribe models by their tokens.

fileGuards();

const REQUEST_ID = 'req_audio_1';

function serve(path: string, body: unknown, { status = 200, seen, headers = {} }: { status?: number; seen?: string[]; headers?: Record<string, string> } = {}) {
  return mockOpenAIAnswer(path, body, { status, seen, headers: { 'x-request-id': REQUEST_ID, ...headers } });
}

async function audioFile() {
  return toFile(Buffer.from('RIFF-AUDIO-BYTES-OF-A-MEETING'), 'meeting.wav', { type: 'audio/wav' });
}

describe('audio.transcriptions.create', () => {
  test('whisper-1: priced by the seconds the usage reports; the file described, sent untouched and still the caller\'s', async () => {
    const seen: string[] = [];
    serve('/v1/audio/transcriptions', { text: 'Hello everyone.', usage: { type: 'duration', seconds: 9 } }, { seen });
    const { ph, openai } = trackedSetup();
    const file = await audioFile();

    const result = await openai.audio.transcriptions.create({ model: 'whisper-1', file, language: 'en', prompt: 'A meeting.' });

    expect(result.text).toBe('Hello everyone.');
    expect(seen[0]).toContain('RIFF-AUDIO-BYTES-OF-A-MEETING');
    expect(await file.text()).toBe('RIFF-AUDIO-BYTES-OF-A-MEETING');
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.properties).toMatchObject({
      $ai_model: 'whisper-1',
      $ai_input: [
        {
          role: 'user',
          content: [
            { type: 'file', name: 'meeting.wav', mime_type: 'audio/wav', bytes: 29 },
            { type: 'text', text: 'A meeting.' },
          ],
        },
      ],
      $ai_output_choices: [{ role: 'assistant', content: 'Hello everyone.' }],
      $ai_model_parameters: { language: 'en' },
      audio_seconds: 9,
      // $0.006 per minute: $0.0001 per second.
      $ai_input_cost_usd: 0.0009,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0.0009,
      $ai_cost_passthrough: true,
      $ai_cost_price_id: 'whisper-1',
    });
  });

  test("whisper-1: the verbose response's duration prices it when there is no usage", async () => {
    serve('/v1/audio/transcriptions', { task: 'transcribe', language: 'english', duration: 8.47, text: 'Hello.', segments: [] });
    const { ph, openai } = trackedSetup();

    await openai.audio.transcriptions.create({ model: 'whisper-1', file: await audioFile(), response_format: 'verbose_json' });

    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ audio_seconds: 8.47, $ai_total_cost_usd: 0.000847 });
  });

  test('whisper-1 in text format: the text is the output, and without a duration the cost is unknown, and why', async () => {
    serve('/v1/audio/transcriptions', 'Hello in plain text.\n', { headers: { 'content-type': 'text/plain' } });
    const { ph, openai } = trackedSetup();

    const text = await openai.audio.transcriptions.create({ model: 'whisper-1', file: await audioFile(), response_format: 'text' });

    expect(text).toBe('Hello in plain text.\n');
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello in plain text.\n' }]);
    expect(event!.properties.$ai_total_cost_usd).toBeUndefined();
    expect(event!.properties.$ai_cost_unknown_reason).toBe('no_audio_duration');
  });

  test('gpt-4o-transcribe: text and audio input tokens at their own rates, output tokens', async () => {
    serve('/v1/audio/transcriptions', {
      text: 'Hello.',
      usage: { type: 'tokens', input_tokens: 100, input_token_details: { text_tokens: 20, audio_tokens: 80 }, output_tokens: 50, total_tokens: 150 },
    });
    const { ph, openai } = trackedSetup();

    await openai.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: await audioFile() });

    const [event] = await eventsOf(ph);
    // 20 text tokens at $2.50 and 80 audio tokens at $6 per million; 50 output tokens at $10 per million.
    expect(event!.properties).toMatchObject({ $ai_input_tokens: 100, $ai_output_tokens: 50, $ai_input_cost_usd: 0.00053, $ai_output_cost_usd: 0.0005, $ai_total_cost_usd: 0.00103 });
    expect(event!.properties.audio_seconds).toBeUndefined();
  });

  test('streamed: one event at the end, the text from the deltas and the done event, its tokens priced', async () => {
    const events = [
      { type: 'transcript.text.delta', delta: 'Hello ' },
      { type: 'transcript.text.delta', delta: 'there.' },
      { type: 'transcript.text.done', text: 'Hello there.', usage: { type: 'tokens', input_tokens: 30, input_token_details: { text_tokens: 0, audio_tokens: 30 }, output_tokens: 10, total_tokens: 40 } },
    ];
    mockOpenAI()
      .post('/v1/audio/transcriptions')
      .reply(200, () => Readable.from(splitEvery(sseBody(events, { done: false }), 13)), SSE_HEADERS);
    const { ph, openai } = trackedSetup();

    const stream = await openai.audio.transcriptions.create({ model: 'gpt-4o-mini-transcribe', file: await audioFile(), stream: true });
    const deltas: string[] = [];
    for await (const event of stream) if (event.type === 'transcript.text.delta') deltas.push(event.delta);

    expect(deltas.join('')).toBe('Hello there.');
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({
      $ai_stream: true,
      $ai_stream_ending: 'completed',
      $ai_output_choices: [{ role: 'assistant', content: 'Hello there.' }],
      // 30 audio tokens at $3 and 10 output tokens at $5 per million.
      $ai_total_cost_usd: 0.00014,
    });
  });

  test('a streamed transcription the caller leaves early: stopped, with the text read so far', async () => {
    const events = [
      { type: 'transcript.text.delta', delta: 'Hello ' },
      { type: 'transcript.text.delta', delta: 'there.' },
      { type: 'transcript.text.done', text: 'Hello there.' },
    ];
    mockOpenAI()
      .post('/v1/audio/transcriptions')
      .reply(200, () => Readable.from([sseBody(events, { done: false })]), SSE_HEADERS);
    const { ph, openai } = trackedSetup();

    const stream = await openai.audio.transcriptions.create({ model: 'gpt-4o-mini-transcribe', file: await audioFile(), stream: true });
    for await (const _event of stream) break;

    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_stream_ending: 'stopped', $ai_output_choices: [{ role: 'assistant', content: 'Hello ' }], $ai_cost_unknown_reason: 'no_usage' });
  });

  test('an HTTP error reaches the caller as the SDK threw it, and is tracked once', async () => {
    serve('/v1/audio/transcriptions', { error: { message: 'Invalid file format.', type: 'invalid_request_error', code: null } }, { status: 400 });
    const { ph, openai } = trackedSetup();

    const error = await rejectionOf(openai.audio.transcriptions.create({ model: 'whisper-1', file: await audioFile() }));

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.requestID).toBe(REQUEST_ID);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400 });
  });

  test('withResponse() behaves as without tracking', async () => {
    serve('/v1/audio/transcriptions', { text: 'Hi.', usage: { type: 'duration', seconds: 2 } });
    const { ph, openai } = trackedSetup();

    const { data, response, request_id } = await openai.audio.transcriptions.create({ model: 'whisper-1', file: await audioFile() }).withResponse();

    expect(data.text).toBe('Hi.');
    expect(response.status).toBe(200);
    expect(request_id).toBe(REQUEST_ID);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_total_cost_usd).toBe(0.0002);
  });

  test('privacy mode sends neither the file description nor the text, and keeps the seconds and the cost', async () => {
    serve('/v1/audio/transcriptions', { text: 'Private words.', usage: { type: 'duration', seconds: 3 } });
    const { ph, openai } = trackedSetup({ privacyMode: true });

    await openai.audio.transcriptions.create({ model: 'whisper-1', file: await audioFile() });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
    expect(event!.properties).toMatchObject({ audio_seconds: 3, $ai_total_cost_usd: 0.0003 });
  });
});

describe('audio.translations.create', () => {
  test('whisper-1, verbose: priced by its duration, the English text as the output', async () => {
    serve('/v1/audio/translations', { task: 'translate', language: 'french', duration: 12, text: 'Good morning.', segments: [] });
    const { ph, openai } = trackedSetup();

    const result = await openai.audio.translations.create({ model: 'whisper-1', file: await audioFile(), response_format: 'verbose_json' });

    expect(result.text).toBe('Good morning.');
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({
      $ai_model: 'whisper-1',
      $ai_output_choices: [{ role: 'assistant', content: 'Good morning.' }],
      audio_seconds: 12,
      $ai_total_cost_usd: 0.0012,
    });
  });
});
