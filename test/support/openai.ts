import { Readable } from 'node:stream';
import nock from 'nock';
import { OpenAI } from 'openai';
import { SSE_HEADERS, splitEvery } from './sse.js';

// The OpenAI stand-in of the nock test files (api.openai.com mocked), and the SDK's answers as
// JSON. The 127.0.0.1 one (no nock) is in local-openai.ts.

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

export interface RecordedRequest {
  path: string;
  body: Record<string, any>;
}

/**
 * Answers `times` POSTs to `path` with an SSE body, sent in pieces of `pieceSize` characters so that
 * lines (and JSON) are cut in the middle. `body` may depend on the request body, as OpenAI's does
 * (usage only when `stream_options.include_usage` is set). Request bodies are recorded.
 */
export function nockSse(
  path: string,
  body: string | ((request: Record<string, any>) => string),
  { times = 1, pieceSize = 7, requests }: { times?: number; pieceSize?: number; requests?: RecordedRequest[] } = {},
) {
  return nock(OPENAI_BASE)
    .post(path)
    .times(times)
    .reply(
      200,
      (uri, requestBody) => {
        const parsed = (typeof requestBody === 'string' ? JSON.parse(requestBody) : requestBody) as Record<string, any>;
        requests?.push({ path: uri, body: parsed });
        const text = typeof body === 'function' ? body(parsed) : body;
        return Readable.from(splitEvery(text, pieceSize));
      },
      SSE_HEADERS,
    );
}

/**
 * Answers one POST to `path` with `body` (JSON, or a string sent as it is), keeping each request's
 * raw body in `seen` when given: a multipart upload (images, audio) is not JSON, and a test checks
 * the uploaded bytes reached OpenAI as they were.
 */
export function mockOpenAIAnswer(
  path: string,
  body: unknown,
  { status = 200, seen, headers = {} }: { status?: number; seen?: string[]; headers?: Record<string, string> } = {},
) {
  return nock(OPENAI_BASE)
    .post(path)
    .reply(
      status,
      (_uri, requestBody) => {
        seen?.push(typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody));
        return body as Record<string, unknown>;
      },
      headers,
    );
}
