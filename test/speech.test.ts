import { OpenAI } from 'openai';
import { describe, expect, test } from 'vitest';
import { expectWellFormedEvent, rejectionOf } from './support/checks.js';
import { mockOpenAI } from './support/openai.js';
import { eventsOf } from './support/posthog.js';
import { fileGuards, trackedSetup } from './support/tracked.js';

// audio.speech.create: one $ai_generation per call, sent when the response headers arrive; the
// audio body is the caller's, never read by tracking; tts-1 priced per character.

fileGuards();

const REQUEST_ID = 'req_speech_1';
/** Audio bytes that are not text: the caller must get exactly these. */
const AUDIO = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));

function serveAudio(times = 1) {
  return mockOpenAI()
    .post('/v1/audio/speech')
    .times(times)
    .reply(200, () => AUDIO, { 'content-type': 'audio/mpeg', 'content-length': String(AUDIO.length), 'x-request-id': REQUEST_ID });
}

describe('audio.speech.create', () => {
  test('tts-1: the input text and its length, priced per character; the caller reads the audio untouched, tracking never read it', async () => {
    serveAudio();
    const { ph, openai } = trackedSetup();

    const response = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello, otter! 🦦' });

    // The event was sent from the headers: the body is still unread.
    const events = await eventsOf(ph);
    expect(response.bodyUsed).toBe(false);
    expect(Buffer.from(await response.arrayBuffer()).equals(AUDIO)).toBe(true);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.properties).toMatchObject({
      $ai_model: 'tts-1',
      $ai_input: [{ role: 'user', content: 'Hello, otter! 🦦' }],
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'audio', format: 'audio/mpeg', bytes: 4096 }] }],
      $ai_model_parameters: { voice: 'alloy' },
      // 15 characters (the otter is one), at $15 per million.
      input_characters: 15,
      $ai_input_cost_usd: 0.000225,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0.000225,
      $ai_cost_passthrough: true,
      $ai_http_status: 200,
    });
  });

  test('tts-1-hd at its own rate; gpt-4o-mini-tts, billed by tokens the API does not report here, has no cost and says why', async () => {
    serveAudio(2);
    const { ph, openai } = trackedSetup();

    await (await openai.audio.speech.create({ model: 'tts-1-hd', voice: 'nova', input: 'ten chars!' })).arrayBuffer();
    await (await openai.audio.speech.create({ model: 'gpt-4o-mini-tts', voice: 'nova', input: 'ten chars!', instructions: 'Cheerful.' })).arrayBuffer();

    const events = await eventsOf(ph);
    expect(events[0]!.properties).toMatchObject({ input_characters: 10, $ai_total_cost_usd: 0.0003 });
    expect(events[1]!.properties).toMatchObject({
      $ai_input: [
        { role: 'system', content: 'Cheerful.' },
        { role: 'user', content: 'ten chars!' },
      ],
      input_characters: 10,
      $ai_cost_unknown_reason: 'no_usage',
    });
  });

  test('asResponse() and withResponse(): the same audio, the body never cloned or read by tracking, each call tracked once', async () => {
    serveAudio(2);
    const { ph, openai } = trackedSetup();

    const raw = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'abc' }).asResponse();
    const { data, response, request_id } = await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'abcd' }).withResponse();

    const events = await eventsOf(ph);
    expect(raw.bodyUsed).toBe(false);
    expect(data.bodyUsed).toBe(false);
    expect(request_id).toBe(REQUEST_ID);
    expect(response.status).toBe(200);
    expect(Buffer.from(await raw.arrayBuffer()).equals(AUDIO)).toBe(true);
    expect(Buffer.from(await data.arrayBuffer()).equals(AUDIO)).toBe(true);
    expect(events.map((event) => event.properties.input_characters)).toEqual([3, 4]);
    expect(events.map((event) => event.properties.$ai_total_cost_usd)).toEqual([0.000045, 0.00006]);
  });

  test('an HTTP error reaches the caller as the SDK threw it; its event keeps the input length, without a cost', async () => {
    mockOpenAI()
      .post('/v1/audio/speech')
      .reply(429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, { 'x-request-id': REQUEST_ID });
    const { ph, openai } = trackedSetup();

    const error = await rejectionOf(openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'hello' }));

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 429, input_characters: 5 });
    expect(event!.properties.$ai_total_cost_usd).toBeUndefined();
  });

  test('an aborted call rejects as without tracking and is tracked once as aborted', async () => {
    mockOpenAI().post('/v1/audio/speech').delay(2_000).reply(200, () => AUDIO, { 'content-type': 'audio/mpeg' });
    const { ph, openai } = trackedSetup();
    const controller = new AbortController();

    const pending = openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'slow' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);

    expect(await rejectionOf(pending)).toBeInstanceOf(OpenAI.APIUserAbortError);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_stop_reason).toBe('aborted');
  });

  test('privacy mode sends no text, and keeps its length and the cost', async () => {
    serveAudio();
    const { ph, openai } = trackedSetup({ privacyMode: true });

    await (await openai.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'a private sentence' })).arrayBuffer();

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
    expect(event!.properties).toMatchObject({ input_characters: 18, $ai_total_cost_usd: 0.00027 });
  });
});
