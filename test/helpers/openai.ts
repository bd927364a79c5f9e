import nock from 'nock';
import { OpenAI } from 'openai';

export const OPENAI_BASE = 'https://api.openai.com';
export const TEST_API_KEY = 'sk-test-0123456789abcdefSECRET';

/** A plain SDK client for tests: no retries (an unmatched request would retry for a second). */
export function newOpenAI(options: Record<string, unknown> = {}): OpenAI {
  return new OpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, ...options });
}

/** Intercepts OpenAI's API for one or more requests. */
export function mockOpenAI() {
  return nock(OPENAI_BASE);
}

export function chatCompletion(overrides: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-abc123',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello there!', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 12,
      completion_tokens: 5,
      total_tokens: 17,
      prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 2, audio_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_test',
    ...overrides,
  };
}

export function legacyCompletion(overrides: Record<string, unknown> = {}) {
  return {
    id: 'cmpl-abc123',
    object: 'text_completion',
    created: 1_700_000_000,
    model: 'gpt-3.5-turbo-instruct',
    choices: [{ text: ' world', index: 0, logprobs: null, finish_reason: 'length' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    ...overrides,
  };
}

export function embeddingResponse(overrides: Record<string, unknown> = {}) {
  return {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 8, total_tokens: 8 },
    ...overrides,
  };
}

export function responsesResponse(overrides: Record<string, unknown> = {}) {
  return {
    id: 'resp_abc123',
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: 'gpt-4.1-2025-04-14',
    output: [
      {
        type: 'message',
        id: 'msg_1',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hi from responses', annotations: [] }],
      },
    ],
    usage: {
      input_tokens: 20,
      input_tokens_details: { cached_tokens: 10 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 27,
    },
    incomplete_details: null,
    service_tier: 'default',
    ...overrides,
  };
}
