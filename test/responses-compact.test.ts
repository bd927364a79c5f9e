import { describe, expect, test } from 'vitest';
import { OpenAI } from 'openai';
import { expectWellFormedEvent, rejectionOf } from './support/checks.js';
import { mockOpenAI, newOpenAI } from './support/openai.js';
import { eventsOf } from './support/posthog.js';
import { fileGuards, trackedSetup } from './support/tracked.js';

// responses.compact (openai 6 and later; absent from openai 5, where there is nothing to track).

fileGuards();

const HAS_COMPACT = typeof newOpenAI().responses.compact === 'function';
const ENCRYPTED = 'gAAAAB-encrypted-summary-of-the-conversation';

function compacted() {
  return {
    id: 'cmp_123',
    object: 'response.compaction',
    created_at: 1_700_000_000,
    output: [
      { type: 'message', id: 'msg_u1', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'First question' }] },
      { type: 'compaction', id: 'cmp_item_1', encrypted_content: ENCRYPTED },
    ],
    usage: { input_tokens: 1200, input_tokens_details: { cached_tokens: 0 }, output_tokens: 300, output_tokens_details: { reasoning_tokens: 100 }, total_tokens: 1500 },
  };
}

describe.skipIf(!HAS_COMPACT)('responses.compact', () => {
  test('one $ai_generation with its usage and cost; the compaction item without its encrypted content', async () => {
    mockOpenAI().post('/v1/responses/compact').reply(200, compacted(), { 'x-request-id': 'req_compact' });
    const { ph, openai } = trackedSetup();

    const { data, request_id } = await openai.responses.compact({ model: 'gpt-4.1', input: 'First question', previous_response_id: 'resp_1' }).withResponse();

    expect(data.id).toBe('cmp_123');
    expect(request_id).toBe('req_compact');
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expectWellFormedEvent(event);
    expect(event.properties).toMatchObject({
      $ai_model: 'gpt-4.1',
      $ai_input: [{ role: 'user', content: 'First question' }],
      $ai_model_parameters: { previous_response_id: 'resp_1' },
      $ai_output_choices: [{ type: 'compaction', id: 'cmp_item_1' }],
      $ai_input_tokens: 1200,
      $ai_output_tokens: 300,
      $ai_reasoning_tokens: 100,
      $ai_response_id: 'cmp_123',
      $ai_is_error: false,
    });
    expect(event.properties.$ai_total_cost_usd).toBeGreaterThan(0);
    expect(JSON.stringify(event.properties)).not.toContain(ENCRYPTED);
  });

  test('an HTTP error is the SDK’s own, and one error event', async () => {
    mockOpenAI().post('/v1/responses/compact').reply(400, { error: { message: 'previous_response_id not found', type: 'invalid_request_error', code: null } });
    const { ph, openai } = trackedSetup();

    const error = await rejectionOf(openai.responses.compact({ model: 'gpt-4.1', previous_response_id: 'resp_missing' }));

    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const [event] = await eventsOf(ph);
    expect(event!.properties).toMatchObject({ $ai_is_error: true, $ai_http_status: 400 });
  });
});
