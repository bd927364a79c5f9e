import nock from 'nock';
import { OpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatCompletion, mockOpenAI, newOpenAI, TEST_API_KEY } from './support/openai.js';
import { mockPostHog, type ReceivedEvent } from './support/posthog.js';
import { fileGuards } from './support/tracked.js';
import { observableError, rejectionOf } from './support/checks.js';
import { refusedPort } from './support/servers.js';
import { settle } from './support/time.js';

// Network guards (unhandled rejections fail the file through test/support/setup.ts).
fileGuards();

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

function openAIError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** The OpenAI-style failures the API answers with, and the SDK class each one becomes. */
const HTTP_FAILURES = [
  {
    status: 400,
    errorClass: OpenAI.BadRequestError,
    body: openAIError("Invalid value for 'temperature': must be at most 2.", 'invalid_request_error', 'invalid_value', 'temperature'),
    text: "Invalid value for 'temperature'",
    code: 'invalid_value',
  },
  {
    status: 401,
    errorClass: OpenAI.AuthenticationError,
    // The real API masks the key; a proxy or an older API version may echo it whole.
    body: openAIError(
      `Incorrect API key provided: ${TEST_API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    ),
    text: 'Incorrect API key provided: [redacted]',
    code: 'invalid_api_key',
  },
  {
    status: 404,
    errorClass: OpenAI.NotFoundError,
    body: openAIError('The model `gpt-9` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found'),
    text: 'The model `gpt-9` does not exist',
    code: 'model_not_found',
  },
  {
    status: 429,
    errorClass: OpenAI.RateLimitError,
    body: openAIError(
      'Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1.',
      'requests',
      'rate_limit_exceeded',
    ),
    text: 'Rate limit reached for gpt-4o-mini',
    code: 'rate_limit_exceeded',
  },
  {
    status: 500,
    errorClass: OpenAI.InternalServerError,
    body: openAIError('The server had an error while processing your request. Sorry about that!', 'server_error', null),
    text: 'The server had an error while processing your request',
    code: undefined,
  },
] as const;

function errorHeaders(status: number) {
  return {
    'x-request-id': `req_failure_${status}`,
    'openai-processing-ms': '12',
    'x-ratelimit-remaining-requests': '0',
  };
}

/**
 * A tracked client whose underlying SDK method is observed: `sdkErrors` holds the error objects the
 * SDK's own `create()` rejected with, so tests can check the caller got that very object.
 */
function trackedWithSdkErrors(posthog: unknown, clientOptions: Record<string, unknown> = {}) {
  const raw = newOpenAI(clientOptions);
  const sdkErrors: unknown[] = [];
  const completions = raw.chat.completions as any;
  const sdkCreate = completions.create;
  completions.create = function create(this: unknown, ...args: unknown[]) {
    const promise = sdkCreate.apply(this, args);
    promise.asResponse().then(undefined, (error: unknown) => sdkErrors.push(error));
    return promise;
  };
  const tracked = createTrackedOpenAI(raw, { posthog: posthog as any });
  return { tracked, sdkErrors };
}

async function eventsOf(ph: ReturnType<typeof mockPostHog>): Promise<ReceivedEvent[]> {
  await settle();
  return ph.received();
}

/** `$ai_error` says what failed without a stack, a file path or a credential. */
function expectCleanErrorText(text: unknown) {
  expect(typeof text).toBe('string');
  const message = text as string;
  expect(message).not.toContain(TEST_API_KEY);
  expect(message).not.toContain('0123456789abcdefSECRET');
  expect(message).not.toMatch(/\n\s+at /);
  expect(message).not.toMatch(/\.(?:[cm]?js|ts):\d+/);
  expect(message).not.toContain(process.cwd());
  expect(message).not.toContain('node_modules');
}

function expectNoKeyAnywhere(ph: ReturnType<typeof mockPostHog>) {
  for (const payload of ph.payloads) {
    expect(payload).not.toContain(TEST_API_KEY);
    expect(payload).not.toContain('0123456789abcdefSECRET');
  }
}

describe('HTTP error answers', () => {
  for (const failure of HTTP_FAILURES) {
    it(`a ${failure.status} answer sends one error event and rejects with the SDK's own ${failure.errorClass.name}`, async () => {
      mockOpenAI()
        .post('/v1/chat/completions')
        .twice()
        .reply(failure.status, failure.body, errorHeaders(failure.status));
      const ph = mockPostHog();
      const expected = await rejectionOf(newOpenAI().chat.completions.create(CHAT_BODY));
      const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);

      const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

      expect(sdkErrors).toHaveLength(1);
      expect(error).toBe(sdkErrors[0]);
      expect(error).toBeInstanceOf(failure.errorClass);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(failure.status);
      expect(error.requestID).toBe(`req_failure_${failure.status}`);
      expect(observableError(error)).toEqual(observableError(expected));

      const events = await eventsOf(ph);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event.event).toBe('$ai_generation');
      expect(event.properties.$ai_is_error).toBe(true);
      expect(event.properties.$ai_http_status).toBe(failure.status);
      expect(event.properties.$ai_model).toBe('gpt-4o-mini');
      const text = event.properties.$ai_error as string;
      expectCleanErrorText(text);
      expect(text).toContain(failure.errorClass.name);
      expect(text).toContain(String(failure.status));
      expect(text).toContain(failure.text);
      if (failure.code) expect(text).toContain(failure.code);
      expectNoKeyAnywhere(ph);
    });
  }

  it('an error message carrying the API key or a Bearer header is redacted in $ai_error', async () => {
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(
        502,
        openAIError(`upstream refused Authorization: Bearer ${TEST_API_KEY} (key ${TEST_API_KEY})`, 'proxy_error', null),
        errorHeaders(502),
      );
    const ph = mockPostHog();
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    // The caller's error is untouched: the key is still in its message.
    expect(error.message).toContain(TEST_API_KEY);
    const [event] = await eventsOf(ph);
    expectCleanErrorText(event.properties.$ai_error);
    expect(event.properties.$ai_error).not.toMatch(/Bearer\s+\S*SECRET/);
    expect(event.properties.$ai_error).toContain('[redacted]');
    expect(event.properties.$ai_http_status).toBe(502);
    expectNoKeyAnywhere(ph);
  });

  it("a key that doesn't look like an OpenAI key is still redacted when an error repeats it", async () => {
    const providerKey = 'gw_live_Zq81mNa0pLx7Yt2';
    nock('https://llm-gateway.test')
      .post('/v1/chat/completions')
      .reply(401, openAIError(`Unknown key ${providerKey}`, 'auth_error', 'invalid_key'), errorHeaders(401));
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(
      newOpenAI({ apiKey: providerKey, baseURL: 'https://llm-gateway.test/v1' }),
      { posthog: ph.posthog },
    );

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const [event] = await eventsOf(ph);
    expect(event.properties.$ai_error).toContain('AuthenticationError');
    expect(event.properties.$ai_error).not.toContain(providerKey);
    for (const payload of ph.payloads) expect(payload).not.toContain(providerKey);
  });
});

describe('failures without an HTTP answer', () => {
  it('a connection error (nock replyWithError) sends one error event and rejects with the SDK APIConnectionError', async () => {
    mockOpenAI()
      .post('/v1/chat/completions')
      .twice()
      .replyWithError(`socket hang up (Authorization: Bearer ${TEST_API_KEY})`);
    const ph = mockPostHog();
    const expected = await rejectionOf(newOpenAI().chat.completions.create(CHAT_BODY));
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(error.status).toBeUndefined();
    expect(observableError(error)).toEqual(observableError(expected));

    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_is_error).toBe(true);
    expect(events[0].properties.$ai_error).toContain('APIConnectionError');
    expect(events[0].properties).not.toHaveProperty('$ai_http_status');
    expectCleanErrorText(events[0].properties.$ai_error);
    expectNoKeyAnywhere(ph);
  });

  it('a refused connection on 127.0.0.1 sends one error event and rejects with the SDK APIConnectionError', async () => {
    const port = await refusedPort();
    const baseURL = `http://127.0.0.1:${port}/v1`;
    const ph = mockPostHog();
    const expected = await rejectionOf(newOpenAI({ baseURL }).chat.completions.create(CHAT_BODY));
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog, { baseURL });

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_is_error).toBe(true);
    expect(events[0].properties.$ai_error).toMatch(/^APIConnectionError: Connection error\./);
    expect(events[0].properties.$ai_base_url).toBe(baseURL);
    expect(events[0].properties).not.toHaveProperty('$ai_http_status');
    expectCleanErrorText(events[0].properties.$ai_error);
  });

  it('a timeout (SDK timeout option, slow answer) sends one error event and rejects with the SDK APIConnectionTimeoutError', async () => {
    mockOpenAI().post('/v1/chat/completions').twice().delay(400).reply(200, chatCompletion());
    const ph = mockPostHog();
    const expected = await rejectionOf(newOpenAI({ timeout: 40 }).chat.completions.create(CHAT_BODY));
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog, { timeout: 40 });

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_is_error).toBe(true);
    expect(events[0].properties.$ai_error).toBe('APIConnectionTimeoutError: Request timed out.');
    expect(events[0].properties).not.toHaveProperty('$ai_http_status');
  });

  it('an abort through the caller signal sends one event stopped "aborted" (not an error) and rejects with the SDK APIUserAbortError', async () => {
    mockOpenAI().post('/v1/chat/completions').twice().delay(400).reply(200, chatCompletion());
    const ph = mockPostHog();
    const untrackedAbort = new AbortController();
    const untrackedCall = newOpenAI().chat.completions.create(CHAT_BODY, { signal: untrackedAbort.signal });
    setTimeout(() => untrackedAbort.abort(), 20);
    const expected = await rejectionOf(untrackedCall);

    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);
    const abort = new AbortController();
    const call = tracked.chat.completions.create(CHAT_BODY, { signal: abort.signal });
    setTimeout(() => abort.abort(), 20);
    const error = await rejectionOf(call);

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_stop_reason).toBe('aborted');
    expect(events[0].properties).not.toHaveProperty('$ai_error');
    expect(events[0].properties).not.toHaveProperty('$ai_http_status');
  });

  it('a signal aborted before the call sends one event stopped "aborted" and rejects with the SDK APIUserAbortError', async () => {
    const ph = mockPostHog();
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);
    const abort = new AbortController();
    abort.abort();

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY, { signal: abort.signal }));

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties).toMatchObject({ $ai_is_error: false, $ai_stop_reason: 'aborted' });
  });
});

describe('retries', () => {
  it('500, 500, 200 with maxRetries 2 sends one success event whose latency covers the retries', async () => {
    const retryNow = { 'retry-after-ms': '0', 'x-request-id': 'req_retry' };
    const scope = mockOpenAI()
      .post('/v1/chat/completions')
      .delay(80)
      .reply(500, openAIError('The server had an error', 'server_error', null), retryNow)
      .post('/v1/chat/completions')
      .delay(80)
      .reply(500, openAIError('The server had an error', 'server_error', null), retryNow)
      .post('/v1/chat/completions')
      .reply(200, chatCompletion(), { 'x-request-id': 'req_ok' });
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI({ maxRetries: 2 }), { posthog: ph.posthog });

    const started = performance.now();
    const { data, request_id } = await tracked.chat.completions.create(CHAT_BODY).withResponse();
    const elapsedSeconds = (performance.now() - started) / 1000;

    expect(scope.isDone()).toBe(true);
    expect(data.choices[0].message.content).toBe('Hello there!');
    expect(request_id).toBe('req_ok');
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    const { properties } = events[0];
    expect(properties.$ai_is_error).toBe(false);
    expect(properties.$ai_http_status).toBe(200);
    expect(properties.$ai_latency).toBeGreaterThanOrEqual(0.15);
    expect(properties.$ai_latency).toBeLessThanOrEqual(elapsedSeconds + 0.01);
  });

  it('429 three times with maxRetries 2 sends one error event after the last attempt', async () => {
    const failure = HTTP_FAILURES.find((f) => f.status === 429)!;
    const scope = mockOpenAI()
      .post('/v1/chat/completions')
      .times(3)
      .reply(429, failure.body, { ...errorHeaders(429), 'retry-after-ms': '1' });
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI({ maxRetries: 2 }), { posthog: ph.posthog });

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));

    expect(scope.isDone()).toBe(true);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_is_error).toBe(true);
    expect(events[0].properties.$ai_http_status).toBe(429);
    expect(events[0].properties.$ai_error).toContain('RateLimitError');
  });
});

describe('every tracked method', () => {
  it('chat, completions, responses and embeddings each send one error event with their event name when they fail', async () => {
    const body = openAIError('The server had an error', 'server_error', null);
    mockOpenAI()
      .post('/v1/chat/completions')
      .reply(400, openAIError('bad chat', 'invalid_request_error', null), errorHeaders(400))
      .post('/v1/completions')
      .reply(404, openAIError('no such model', 'invalid_request_error', 'model_not_found'), errorHeaders(404))
      .post('/v1/responses')
      .reply(429, openAIError('slow down', 'requests', 'rate_limit_exceeded'), errorHeaders(429))
      .post('/v1/embeddings')
      .reply(500, body, errorHeaders(500));
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const chat = await rejectionOf(tracked.chat.completions.create(CHAT_BODY));
    const completion = await rejectionOf(tracked.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say' }));
    const response = await rejectionOf(tracked.responses.create({ model: 'gpt-4.1', input: 'Hi' }));
    const embedding = await rejectionOf(tracked.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi' }));

    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(completion).toBeInstanceOf(OpenAI.NotFoundError);
    expect(response).toBeInstanceOf(OpenAI.RateLimitError);
    expect(embedding).toBeInstanceOf(OpenAI.InternalServerError);

    const events = await eventsOf(ph);
    expect(events).toHaveLength(4);
    const summary = events
      .map((e) => ({
        event: e.event,
        model: e.properties.$ai_model,
        status: e.properties.$ai_http_status,
        isError: e.properties.$ai_is_error,
      }))
      .sort((a, b) => a.status - b.status);
    expect(summary).toEqual([
      { event: '$ai_generation', model: 'gpt-4o-mini', status: 400, isError: true },
      { event: '$ai_generation', model: 'gpt-3.5-turbo-instruct', status: 404, isError: true },
      { event: '$ai_generation', model: 'gpt-4.1', status: 429, isError: true },
      { event: '$ai_embedding', model: 'text-embedding-3-small', status: 500, isError: true },
    ]);
    for (const event of events) expectCleanErrorText(event.properties.$ai_error);
  });
});

describe('how the caller handles the failure', () => {
  it('a failure handled with try/catch is tracked once', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(500, HTTP_FAILURES[4].body, errorHeaders(500));
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    let handled: unknown;
    try {
      await tracked.chat.completions.create(CHAT_BODY);
    } catch (error) {
      handled = error;
    }

    expect(handled).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await eventsOf(ph)).toHaveLength(1);
  });

  it('a failure handled with .catch() on the returned promise is tracked once', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(429, HTTP_FAILURES[3].body, errorHeaders(429));
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const handled = await tracked.chat.completions.create(CHAT_BODY).catch((error: unknown) => error);

    expect(handled).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await eventsOf(ph)).toHaveLength(1);
  });

  it('.asResponse() on a failing call rejects with the same error as without tracking, and the call is tracked once', async () => {
    mockOpenAI().post('/v1/chat/completions').twice().reply(404, HTTP_FAILURES[2].body, errorHeaders(404));
    const ph = mockPostHog();
    const expected = await rejectionOf(newOpenAI().chat.completions.create(CHAT_BODY).asResponse());
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY).asResponse());

    expect(error).toBe(sdkErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsOf(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_http_status).toBe(404);
  });

  it('.withResponse() on a failing call rejects with the same error as without tracking, and the call is tracked once', async () => {
    mockOpenAI().post('/v1/chat/completions').twice().reply(400, HTTP_FAILURES[0].body, errorHeaders(400));
    const ph = mockPostHog();
    const expected = await rejectionOf(newOpenAI().chat.completions.create(CHAT_BODY).withResponse());
    const { tracked, sdkErrors } = trackedWithSdkErrors(ph.posthog);

    const error = await rejectionOf(tracked.chat.completions.create(CHAT_BODY).withResponse());

    expect(error).toBe(sdkErrors[0]);
    expect(observableError(error)).toEqual(observableError(expected));
    expect(await eventsOf(ph)).toHaveLength(1);
  });

  it('awaiting a failed call twice gives the same error both times and still one event', async () => {
    mockOpenAI().post('/v1/chat/completions').reply(401, HTTP_FAILURES[1].body, errorHeaders(401));
    const ph = mockPostHog();
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const call = tracked.chat.completions.create(CHAT_BODY);
    const first = await rejectionOf(call);
    const second = await rejectionOf(call);

    expect(first).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(second).toBe(first);
    expect(await eventsOf(ph)).toHaveLength(1);
  });
});
