import { describe, expect, test } from 'vitest';
import { OpenAI } from 'openai';
import { expectWellFormedEvent, rejectionOf } from './support/checks.js';
import { mockOpenAI } from './support/openai.js';
import { eventsOf } from './support/posthog.js';
import { fileGuards, trackedSetup } from './support/tracked.js';

// moderations.create: one free $ai_generation per call, its input and the flagged categories.

fileGuards();

const REQUEST_ID = 'req_moderation_1';

/** A moderation answer as the API sends it: every category, its score and input types, per input. */
function moderationResponse(flags: Record<string, boolean>[]) {
  return {
    id: 'modr-123',
    model: 'omni-moderation-2024-09-26',
    results: flags.map((categories) => ({
      flagged: Object.values(categories).some(Boolean),
      categories: { harassment: false, violence: false, 'self-harm': false, ...categories },
      category_scores: { harassment: 0.01, violence: 0.97, 'self-harm': 0.0001 },
      category_applied_input_types: { harassment: ['text'], violence: ['text', 'image'], 'self-harm': ['text'] },
    })),
  };
}

function serveModeration(body = moderationResponse([{ violence: true }]), status = 200) {
  return mockOpenAI().post('/v1/moderations').reply(status, body, { 'x-request-id': REQUEST_ID });
}

describe('moderations.create', () => {
  test('sends one $ai_generation with the input, the flagged categories (no scores) and a cost of $0', async () => {
    serveModeration(moderationResponse([{ violence: true }, {}]));
    const { ph, openai } = trackedSetup();

    const result = await openai.moderations.create({ model: 'omni-moderation-latest', input: ['I will hurt you', 'hello'] });

    expect(result.results[0]!.category_scores.violence).toBe(0.97);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.event).toBe('$ai_generation');
    expect(event.properties).toMatchObject({
      $ai_model: 'omni-moderation-latest',
      $ai_input: ['I will hurt you', 'hello'],
      $ai_output_choices: [
        { flagged: true, categories: ['violence'] },
        { flagged: false, categories: [] },
      ],
      $ai_model_parameters: {},
      $ai_http_status: 200,
      $ai_is_error: false,
      $ai_input_cost_usd: 0,
      $ai_output_cost_usd: 0,
      $ai_total_cost_usd: 0,
      $ai_cost_passthrough: true,
      $ai_response_id: 'modr-123',
    });
    expect(event.properties.$ai_cost_unknown_reason).toBeUndefined();
    expect(JSON.stringify(event.properties)).not.toContain('0.97');
    expect(JSON.stringify(event.properties)).not.toContain('category_applied_input_types');
  });

  test('a model with no price at all is still $0, and an image input is described, not sent', async () => {
    serveModeration();
    const { ph, openai } = trackedSetup();
    const image = `data:image/png;base64,${'A'.repeat(4000)}`;

    await openai.moderations.create({
      model: 'some-moderation-model',
      input: [
        { type: 'text', text: 'look' },
        { type: 'image_url', image_url: { url: image } },
      ],
    });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_total_cost_usd).toBe(0);
    expect(JSON.stringify(event!.properties)).not.toContain('AAAAAAAA');
    expect(event!.properties.$ai_input[0]).toEqual({ type: 'text', text: 'look' });
  });

  test('withResponse() and asResponse() behave as without tracking, and each call is tracked once', async () => {
    serveModeration();
    serveModeration();
    const { ph, openai } = trackedSetup();

    const { data, response, request_id } = await openai.moderations.create({ input: 'I will hurt you' }).withResponse();
    expect(data.results[0]!.flagged).toBe(true);
    expect(response.status).toBe(200);
    expect(request_id).toBe(REQUEST_ID);

    const raw = await openai.moderations.create({ input: 'again' }).asResponse();
    expect(((await raw.json()) as { id: string }).id).toBe('modr-123');

    const events = await eventsOf(ph);
    expect(events).toHaveLength(2);
    expect(events.map((event) => event.properties.$ai_output_choices)).toEqual([
      [{ flagged: true, categories: ['violence'] }],
      [{ flagged: true, categories: ['violence'] }],
    ]);
    // No model asked for: the response's.
    expect(events[0]!.properties.$ai_model).toBe('omni-moderation-2024-09-26');
  });

  test('an HTTP error reaches the caller as the SDK threw it, and its event says so, without a cost', async () => {
    serveModeration({ error: { message: 'bad input', type: 'invalid_request_error', code: null } } as never, 400);
    const { ph, openai } = trackedSetup();

    const error = await rejectionOf(openai.moderations.create({ input: 'x' }));

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.requestID).toBe(REQUEST_ID);
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400 });
    expect(event!.properties.$ai_total_cost_usd).toBeUndefined();
  });

  test('privacy mode sends neither the input nor the categories', async () => {
    serveModeration();
    const { ph, openai } = trackedSetup({ privacyMode: true });

    await openai.moderations.create({ input: 'I will hurt you' });

    const [event] = await eventsOf(ph);
    expect(event!.properties.$ai_input).toBeNull();
    expect(event!.properties.$ai_output_choices).toBeNull();
    expect(event!.properties.$ai_total_cost_usd).toBe(0);
  });
});
