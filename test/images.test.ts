import { Readable } from 'node:stream';
import { OpenAI, toFile } from 'openai';
import { describe, expect, test } from 'vitest';
import { expectWellFormedEvent, rejectionOf } from './support/checks.js';
import { mockOpenAI, mockOpenAIAnswer } from './support/openai.js';
import { eventsOf } from './support/posthog.js';
import { SSE_HEADERS, sseBody, splitEvery } from './support/sse.js';
import { fileGuards, trackedSetup } from './support/tracked.js';
import { openaiAtLeast } from './support/versions.js';

// images.generate, images.edit and images.createVariation: one $ai_generation per call, the images
// described (never their bytes), gpt-image-* priced by their tokens, dall-e per image.

fileGuards();

const REQUEST_ID = 'req_images_1';
/** A base64 "image" large enough to be noticed if it reached an event. */
const BASE64 = 'iVBORw0KGgo'.padEnd(40_000, 'A');

function gptImageResponse(overrides: Record<string, unknown> = {}) {
  return {
    created: 1_700_000_000,
    background: 'opaque',
    data: [{ b64_json: BASE64 }],
    output_format: 'png',
    quality: 'high',
    size: '1024x1024',
    usage: { input_tokens: 50, input_tokens_details: { text_tokens: 50, image_tokens: 0 }, output_tokens: 4160, total_tokens: 4210 },
    ...overrides,
  };
}

function dalleResponse(images: Record<string, unknown>[]) {
  return { created: 1_700_000_000, data: images };
}

function serve(path: string, body: unknown, status = 200, seen?: string[]) {
  return mockOpenAIAnswer(path, body, { status, seen, headers: { 'x-request-id': REQUEST_ID } });
}

describe('images.generate', () => {
  test('gpt-image-1: its tokens priced (text input, image output), the image described, the caller gets its bytes', async () => {
    serve('/v1/images/generations', gptImageResponse());
    const { ph, openai } = trackedSetup();

    const result = await openai.images.generate({ model: 'gpt-image-1', prompt: 'an otter', quality: 'high', size: '1024x1024' });

    expect(result.data![0]!.b64_json).toBe(BASE64);
    expect(result._request_id).toBe(REQUEST_ID);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.event).toBe('$ai_generation');
    expect(event.properties).toMatchObject({
      $ai_model: 'gpt-image-1',
      $ai_input: [{ role: 'user', content: 'an otter' }],
      $ai_output_choices: [
        { role: 'assistant', content: [{ type: 'image', format: 'png', size: '1024x1024', b64_json: '[base64 image, 30000 bytes, removed]' }] },
      ],
      $ai_model_parameters: { quality: 'high', size: '1024x1024' },
      $ai_input_tokens: 50,
      $ai_output_tokens: 4160,
      image_count: 1,
      image_size: '1024x1024',
      image_quality: 'high',
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_cost_price_id: 'gpt-image-1',
    });
    // 50 text tokens at $5 per million, 4,160 image tokens at $40 per million.
    expect(event.properties.$ai_input_cost_usd).toBe(0.00025);
    expect(event.properties.$ai_output_cost_usd).toBe(0.1664);
    expect(event.properties.$ai_total_cost_usd).toBe(0.16665);
    expect(JSON.stringify(event.properties)).not.toContain('AAAAAAAAAA');
  });

  test('dall-e-3: priced per image by quality and size; the revised prompt kept, the link without its signature', async () => {
    serve('/v1/images/generations', dalleResponse([{ url: 'https://images.example/otter.png?sig=SECRETSIG&se=2026', revised_prompt: 'A sea otter floating' }]));
    const { ph, openai } = trackedSetup();

    await openai.images.generate({ model: 'dall-e-3', prompt: 'an otter', quality: 'hd', size: '1792x1024' });

    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'image', url: 'https://images.example/otter.png', revised_prompt: 'A sea otter floating' }] }],
      image_count: 1,
      image_size: '1792x1024',
      image_quality: 'hd',
      $ai_input_cost_usd: 0,
      $ai_output_cost_usd: 0.12,
      $ai_total_cost_usd: 0.12,
      $ai_cost_passthrough: true,
      $ai_cost_price_id: 'dall-e-3',
    });
    expect(event!.properties.$ai_input_tokens).toBeUndefined();
    expect(JSON.stringify(event!.properties)).not.toContain('SECRETSIG');
  });

  test('dall-e-2: the API defaults (standard quality, 1024x1024) price an image whose request says neither; n images cost n times', async () => {
    serve('/v1/images/generations', dalleResponse([{ url: 'https://images.example/a.png' }, { url: 'https://images.example/b.png' }]));
    serve('/v1/images/generations', dalleResponse([{ url: 'https://images.example/c.png' }]));
    const { ph, openai } = trackedSetup();

    await openai.images.generate({ model: 'dall-e-2', prompt: 'two otters', n: 2, size: '256x256' });
    await openai.images.generate({ model: 'dall-e-2', prompt: 'one otter' });

    const events = await eventsOf(ph);
    expect(events.map((event) => [event.properties.image_count, event.properties.$ai_total_cost_usd])).toEqual([
      [2, 0.032],
      [1, 0.02],
    ]);
  });

  test('a size or quality without a per-image price: no cost, and why', async () => {
    serve('/v1/images/generations', dalleResponse([{ url: 'https://images.example/a.png' }]));
    const { ph, openai } = trackedSetup();

    await openai.images.generate({ model: 'dall-e-3', prompt: 'an otter', size: '512x512' });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_total_cost_usd).toBeUndefined();
    expect(event!.properties.$ai_cost_unknown_reason).toBe('no_image_price');
  });

  test('an HTTP error reaches the caller as the SDK threw it; its event says so, without a cost', async () => {
    serve('/v1/images/generations', { error: { message: 'Your request was rejected by the safety system.', type: 'invalid_request_error', code: 'content_policy_violation' } }, 400);
    const { ph, openai } = trackedSetup();

    const error = await rejectionOf(openai.images.generate({ model: 'dall-e-3', prompt: 'something', size: '1024x1024' }));

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.requestID).toBe(REQUEST_ID);
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400, image_size: '1024x1024' });
    expect(event!.properties.image_count).toBeUndefined();
    expect(event!.properties.$ai_total_cost_usd).toBeUndefined();
  });

  test('an aborted call rejects as without tracking, and is tracked once as aborted', async () => {
    mockOpenAI().post('/v1/images/generations').delay(2_000).reply(200, gptImageResponse());
    const { ph, openai } = trackedSetup();
    const controller = new AbortController();

    const pending = openai.images.generate({ model: 'gpt-image-1', prompt: 'slow otter' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await rejectionOf(pending);

    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({ $ai_is_error: false, $ai_stop_reason: 'aborted' });
  });

  test('withResponse() and asResponse() behave as without tracking, each call tracked once', async () => {
    serve('/v1/images/generations', gptImageResponse());
    serve('/v1/images/generations', gptImageResponse());
    const { ph, openai } = trackedSetup();

    const { data, response, request_id } = await openai.images.generate({ model: 'gpt-image-1', prompt: 'an otter' }).withResponse();
    expect(data.data![0]!.b64_json).toBe(BASE64);
    expect(response.status).toBe(200);
    expect(request_id).toBe(REQUEST_ID);

    const raw = await openai.images.generate({ model: 'gpt-image-1', prompt: 'another otter' }).asResponse();
    expect(((await raw.json()) as { data: { b64_json: string }[] }).data[0]!.b64_json).toBe(BASE64);

    const events = await eventsOf(ph);
    expect(events).toHaveLength(2);
    expect(events.map((event) => event.properties.$ai_total_cost_usd)).toEqual([0.16665, 0.16665]);
  });

  test('privacy mode sends neither the prompt nor the images, and keeps the counts and the cost', async () => {
    serve('/v1/images/generations', dalleResponse([{ url: 'https://images.example/a.png', revised_prompt: 'secret prompt' }]));
    const { ph, openai } = trackedSetup({ privacyMode: true });

    await openai.images.generate({ model: 'dall-e-3', prompt: 'secret prompt' });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
    expect(event!.properties).toMatchObject({ image_count: 1, $ai_total_cost_usd: 0.04 });
    expect(JSON.stringify(event!.properties)).not.toContain('secret prompt');
  });
});

// Streamed images arrived in openai 5.10.0.
describe.skipIf(!openaiAtLeast('5.10.0'))('images.generate, streamed', () => {
  const PARTIAL = { type: 'image_generation.partial_image', b64_json: BASE64, partial_image_index: 0, size: '1024x1024', quality: 'low', output_format: 'png', background: 'opaque', created_at: 1 };
  const COMPLETED = {
    type: 'image_generation.completed',
    b64_json: BASE64,
    size: '1024x1024',
    quality: 'low',
    output_format: 'png',
    background: 'opaque',
    created_at: 1,
    usage: { input_tokens: 10, input_tokens_details: { text_tokens: 10, image_tokens: 0 }, output_tokens: 272, total_tokens: 282 },
  };

  function serveStream(events: unknown[]) {
    mockOpenAI()
      .post('/v1/images/generations')
      .reply(200, () => Readable.from(splitEvery(sseBody(events, { done: false }), 997)), SSE_HEADERS);
  }

  test('one event when the stream ends: the partial images counted, the final image described, its tokens priced', async () => {
    serveStream([PARTIAL, COMPLETED]);
    const { ph, openai } = trackedSetup();

    const stream = await openai.images.generate({ model: 'gpt-image-1', prompt: 'an otter', stream: true, partial_images: 1 });
    const types: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      expect(event.b64_json).toBe(BASE64);
    }

    expect(types).toEqual(['image_generation.partial_image', 'image_generation.completed']);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties).toMatchObject({
      $ai_stream: true,
      $ai_stream_ending: 'completed',
      $ai_output_choices: [{ role: 'assistant', content: [{ type: 'image', format: 'png', size: '1024x1024', b64_json: '[base64 image, 30000 bytes, removed]' }] }],
      $ai_input_tokens: 10,
      $ai_output_tokens: 272,
      image_count: 1,
      image_quality: 'low',
      $ai_total_cost_usd: 0.01093,
    });
    expect(events[0]!.properties.$ai_time_to_first_token).toBeGreaterThan(0);
    expect(JSON.stringify(events[0]!.properties)).not.toContain('AAAAAAAAAA');
  });

  test('a stream the caller leaves after a partial image: stopped, no image and no usage, so no cost', async () => {
    serveStream([PARTIAL, PARTIAL, COMPLETED]);
    const { ph, openai } = trackedSetup();

    const stream = await openai.images.generate({ model: 'gpt-image-1', prompt: 'an otter', stream: true, partial_images: 2 });
    for await (const _event of stream) break;

    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_stream_ending: 'stopped', image_count: 0, $ai_cost_unknown_reason: 'no_usage' });
  });
});

describe('images.edit and images.createVariation', () => {
  test('the uploads are described by name, type and size, and reach OpenAI untouched; gpt-image-1.5 image tokens at their own rates', async () => {
    const seen: string[] = [];
    serve(
      '/v1/images/edits',
      gptImageResponse({
        quality: 'medium',
        usage: {
          input_tokens: 100,
          input_tokens_details: { text_tokens: 20, image_tokens: 80 },
          output_tokens: 1100,
          output_tokens_details: { text_tokens: 44, image_tokens: 1056 },
          total_tokens: 1200,
        },
      }),
      200,
      seen,
    );
    const { ph, openai } = trackedSetup();
    const image = await toFile(Buffer.from('PNG-BYTES-OF-THE-OTTER'), 'otter.png', { type: 'image/png' });
    const mask = new File(['MASK-BYTES'], 'mask.png', { type: 'image/png' });

    await openai.images.edit({ model: 'gpt-image-1.5', prompt: 'add a hat', image, mask });

    expect(seen[0]).toContain('PNG-BYTES-OF-THE-OTTER');
    expect(seen[0]).toContain('MASK-BYTES');
    // The caller's files are still theirs to read.
    expect(await image.text()).toBe('PNG-BYTES-OF-THE-OTTER');
    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'add a hat' },
          { type: 'file', name: 'otter.png', mime_type: 'image/png', bytes: 22 },
          { type: 'file', name: 'mask.png', mime_type: 'image/png', bytes: 10, purpose: 'mask' },
        ],
      },
    ]);
    // 20 text tokens at $5 and 80 image tokens at $8 per million; 44 text tokens at $10 and 1,056 image tokens at $32 per million.
    expect(event!.properties).toMatchObject({ $ai_input_cost_usd: 0.00074, $ai_output_cost_usd: 0.034232, $ai_total_cost_usd: 0.034972, image_quality: 'medium' });
  });

  test.skipIf(!openaiAtLeast('5.10.0'))('images.edit streamed: the uploads still described, one event when the stream ends, its tokens priced', async () => {
    const events = [
      { type: 'image_edit.partial_image', b64_json: BASE64, partial_image_index: 0, size: '1024x1024', quality: 'low', output_format: 'png', background: 'opaque', created_at: 1 },
      {
        type: 'image_edit.completed',
        b64_json: BASE64,
        size: '1024x1024',
        quality: 'low',
        output_format: 'png',
        background: 'opaque',
        created_at: 1,
        usage: { input_tokens: 300, input_tokens_details: { text_tokens: 10, image_tokens: 290 }, output_tokens: 272, total_tokens: 572 },
      },
    ];
    mockOpenAI()
      .post('/v1/images/edits')
      .reply(200, () => Readable.from(splitEvery(sseBody(events, { done: false }), 1009)), SSE_HEADERS);
    const { ph, openai } = trackedSetup();
    const image = new File(['PNG-BYTES'], 'room.png', { type: 'image/png' });

    const stream = await openai.images.edit({ model: 'gpt-image-1', prompt: 'add a plant', image, stream: true, partial_images: 1 });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);

    expect(types).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({
      $ai_stream_ending: 'completed',
      $ai_input: [{ role: 'user', content: [{ type: 'text', text: 'add a plant' }, { type: 'file', name: 'room.png', mime_type: 'image/png', bytes: 9 }] }],
      image_count: 1,
      // 10 text tokens at $5, 290 image tokens at $10 per million; 272 output tokens at $40 per million.
      $ai_input_cost_usd: 0.00295,
      $ai_output_cost_usd: 0.01088,
    });
  });

  test('a stream upload (fs.ReadStream-like) is named by the last segment of its path, never read by tracking', async () => {
    serve('/v1/images/variations', dalleResponse([{ url: 'https://images.example/v.png' }]));
    const { ph, openai } = trackedSetup();
    const upload = Object.assign(Readable.from([Buffer.from('STREAMED-BYTES')]), { path: '/home/someone/private/otter.png' });

    await openai.images.createVariation({ model: 'dall-e-2', image: upload as never, size: '512x512' });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toEqual([{ role: 'user', content: [{ type: 'file', name: 'otter.png' }] }]);
    expect(JSON.stringify(event!.properties)).not.toContain('/home/someone');
    expect(event!.properties).toMatchObject({ image_count: 1, $ai_total_cost_usd: 0.018 });
  });
});
