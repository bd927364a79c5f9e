import nock from 'nock';
import {
  APIError,
  APIPromise,
  AzureOpenAI as SDKAzureOpenAI,
  OpenAI as SDKOpenAI,
  RateLimitError,
} from 'openai';
import type { OpenAI } from 'openai';
import { describe, expect, test } from 'vitest';
import {
  AzureOpenAI as TrackedAzureOpenAI,
  createTrackedOpenAI,
  OpenAI as TrackedOpenAI,
} from '../src/index.js';
import { chatCompletion, embeddingResponse, legacyCompletion, mockOpenAI, newOpenAI, responsesResponse, TEST_API_KEY } from './support/openai.js';
import { mockPostHog, type PostHogMock, waitForEvents } from './support/posthog.js';
import { fileGuards } from './support/tracked.js';
import { waitFor } from './support/time.js';
import { openaiAtLeast } from './support/versions.js';

// Drop-in fidelity (design/drop-in.md points 1-3, 5 non-streaming, 7-12): everything goes through
// the real `openai` and `posthog-node` packages; only HTTP is mocked (nock).

const CHAT_BODY = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };
const JSON_HEADERS = { 'x-request-id': 'req_drop_in_1' };

const { posthogs } = fileGuards();
function newPostHog(): PostHogMock {
  const ph = mockPostHog();
  posthogs.push(ph);
  return ph;
}

describe('create() returns the SDK APIPromise', () => {
  test('create() returns an instanceof the SDK APIPromise and await resolves to the completion with _request_id', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const promise = client.chat.completions.create(CHAT_BODY);
    expect(promise).toBeInstanceOf(APIPromise);
    expect(promise).toBeInstanceOf(Promise);
    const completion = await promise;

    expect(completion.choices[0]!.message.content).toBe('Hello there!');
    expect(completion._request_id).toBe('req_drop_in_1');
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toBe('$ai_generation');
    expect(events[0]!.properties.$ai_input_tokens).toBe(12);
    expect(events[0]!.properties.$ai_output_tokens).toBe(5);
  });

  // openai 7.5 and later give each APIPromise its own unwrapping, which the tracked promise must go through.
  test.skipIf(openaiAtLeast('7.5.0'))('openai 5, 6 and 7 before 7.5: create() returns the very APIPromise the SDK made, not a copy', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);
    const raw = newOpenAI();
    const sdkCreate = raw.chat.completions.create;
    let made: unknown;
    raw.chat.completions.create = function (this: unknown, ...args: unknown[]) {
      made = (sdkCreate as (...a: unknown[]) => unknown).apply(this, args);
      return made;
    } as typeof sdkCreate;
    const client = createTrackedOpenAI(raw, { posthog: ph.posthog });

    const promise = client.chat.completions.create(CHAT_BODY);
    expect(promise).toBe(made);
    expect((await promise)._request_id).toBe('req_drop_in_1');
    expect(await waitForEvents(ph, 1)).toHaveLength(1);
  });

  test('a call that fails before the request is sent (an aborted signal) still sends a complete event', async () => {
    // Its event is built at once, from the call's start and its abort.
    const ph = newPostHog();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const error = await client.chat.completions
      .create({ ...CHAT_BODY, posthogDistinctId: 'user-1', posthogTraceId: 'trace-1' }, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      distinct_id: 'user-1',
      properties: { $ai_model: 'gpt-4o-mini', $ai_trace_id: 'trace-1', $ai_input: CHAT_BODY.messages, $ai_is_error: false, $ai_stop_reason: 'aborted' },
    });
  });

  test('.then(), .catch() and .finally() work on the returned promise, one event per call', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').times(3).reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const viaThen = await client.chat.completions.create(CHAT_BODY).then((c) => c.choices[0]!.message.content);
    expect(viaThen).toBe('Hello there!');

    const viaCatch = await client.chat.completions.create(CHAT_BODY).catch(() => 'rejected');
    expect(typeof viaCatch === 'object' && viaCatch.id).toBe('chatcmpl-abc123');

    let finallyRan = false;
    const viaFinally = await client.chat.completions.create(CHAT_BODY).finally(() => {
      finallyRan = true;
    });
    expect(finallyRan).toBe(true);
    expect(viaFinally.id).toBe('chatcmpl-abc123');
    expect(viaFinally._request_id).toBe('req_drop_in_1');

    const events = await waitForEvents(ph, 3);
    expect(events).toHaveLength(3);
  });

  test('.withResponse() gives { data, response, request_id } and one event', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), { ...JSON_HEADERS, 'x-custom': 'yes' });
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const { data, response, request_id } = await client.chat.completions.create(CHAT_BODY).withResponse();

    expect(data.id).toBe('chatcmpl-abc123');
    // The SDK types `data` without `_request_id`; at run time it carries it.
    expect((data as { _request_id?: string | null })._request_id).toBe('req_drop_in_1');
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(request_id).toBe('req_drop_in_1');
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_input_tokens).toBe(12);
  });

  test('.asResponse() returns a Response whose body the caller can still read, and the call is tracked with tokens', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const response = await client.chat.completions.create(CHAT_BODY).asResponse();

    expect(response).toBeInstanceOf(Response);
    expect(response.bodyUsed).toBe(false);
    const body = (await response.json()) as { id: string; usage: { total_tokens: number } };
    expect(body.id).toBe('chatcmpl-abc123');
    expect(body.usage.total_tokens).toBe(17);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_input_tokens).toBe(12);
    expect(events[0]!.properties.$ai_output_tokens).toBe(5);
    expect(events[0]!.properties.$ai_is_error).toBe(false);
  });

  test('the request is sent when create() is called, before the promise is awaited', async () => {
    const ph = newPostHog();
    const scope = mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const promise = client.chat.completions.create(CHAT_BODY);
    await waitFor(() => scope.isDone(), 1000);

    const completion = await promise;
    expect(completion.id).toBe('chatcmpl-abc123');
    expect(await waitForEvents(ph, 1)).toHaveLength(1);
  });

  test('the result of each tracked method is the same as an untracked client returns (chat, completions, embeddings, responses)', async () => {
    const ph = newPostHog();
    mockOpenAI()
      .post('/v1/completions')
      .times(2)
      .reply(200, legacyCompletion(), JSON_HEADERS)
      .post('/v1/embeddings')
      .times(2)
      .reply(200, embeddingResponse(), JSON_HEADERS)
      .post('/v1/responses')
      .times(2)
      .reply(200, responsesResponse(), JSON_HEADERS);
    const plain = newOpenAI();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const completionParams = { model: 'gpt-3.5-turbo-instruct', prompt: 'Hello' };
    const embeddingParams = { model: 'text-embedding-3-small', input: 'Hello' };
    const responseParams = { model: 'gpt-4.1', input: 'Hello' };
    expect(await client.completions.create(completionParams)).toEqual(await plain.completions.create(completionParams));
    const embedding = await client.embeddings.create(embeddingParams);
    expect(embedding).toEqual(await plain.embeddings.create(embeddingParams));
    expect(embedding._request_id).toBe('req_drop_in_1');
    const response = await client.responses.create(responseParams);
    expect(response).toEqual(await plain.responses.create(responseParams));
    // The SDK adds `output_text` to Responses results.
    expect(response.output_text).toBe('Hi from responses');

    const events = await waitForEvents(ph, 3);
    expect(events.map((e) => e.event).sort()).toEqual(['$ai_embedding', '$ai_generation', '$ai_generation']);
  });
});

describe('SDK helpers are tracked once per HTTP request', () => {
  test('chat.completions.parse() with a json_schema response_format returns the parsed content and sends one event', async () => {
    const ph = newPostHog();
    const content = JSON.stringify({ city: 'Paris', temperature: 21 });
    const scope = mockOpenAI()
      .post('/v1/chat/completions', (body) => body.response_format?.type === 'json_schema')
      .matchHeader('x-stainless-helper-method', 'chat.completions.parse')
      .reply(
        200,
        chatCompletion({
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
        }),
        JSON_HEADERS,
      );
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const completion = await client.chat.completions.parse({
      ...CHAT_BODY,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'weather',
          strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, temperature: { type: 'number' } },
            required: ['city', 'temperature'],
            additionalProperties: false,
          },
        },
      },
    });

    expect(scope.isDone()).toBe(true);
    expect(completion.choices[0]!.message.parsed).toEqual({ city: 'Paris', temperature: 21 });
    expect(completion._request_id).toBe('req_drop_in_1');
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_model_parameters.response_format.type).toBe('json_schema');
    expect(events[0]!.properties.$ai_output_choices[0].content).toBe(content);
  });

  test('responses.parse() with a json_schema text format returns output_parsed and sends one event', async () => {
    const ph = newPostHog();
    const text = JSON.stringify({ answer: 42 });
    mockOpenAI()
      .post('/v1/responses')
      .reply(
        200,
        responsesResponse({
          output: [
            {
              type: 'message',
              id: 'msg_1',
              status: 'completed',
              role: 'assistant',
              content: [{ type: 'output_text', text, annotations: [] }],
            },
          ],
        }),
        JSON_HEADERS,
      );
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const response = await client.responses.parse({
      model: 'gpt-4.1',
      input: 'What is the answer?',
      text: {
        format: {
          type: 'json_schema',
          name: 'answer',
          strict: true,
          schema: {
            type: 'object',
            properties: { answer: { type: 'number' } },
            required: ['answer'],
            additionalProperties: false,
          },
        },
      },
    });

    expect(response.output_parsed).toEqual({ answer: 42 });
    expect(response.output_text).toBe(text);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_input_tokens).toBe(20);
  });

  test('chat.completions.runTools() with a tool call makes 2 HTTP requests and sends 2 events', async () => {
    const ph = newPostHog();
    const toolCall = {
      id: 'call_1',
      type: 'function',
      function: { name: 'get_weather', arguments: JSON.stringify({ city: 'Paris' }) },
    };
    const scope = mockOpenAI()
      .post('/v1/chat/completions')
      .reply(
        200,
        chatCompletion({
          id: 'chatcmpl-tool',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: null, refusal: null, tool_calls: [toolCall] },
              logprobs: null,
              finish_reason: 'tool_calls',
            },
          ],
        }),
        JSON_HEADERS,
      )
      .post('/v1/chat/completions', (body) => body.messages.some((m: { role: string }) => m.role === 'tool'))
      .reply(
        200,
        chatCompletion({
          id: 'chatcmpl-final',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'It is sunny in Paris.', refusal: null },
              logprobs: null,
              finish_reason: 'stop',
            },
          ],
        }),
        JSON_HEADERS,
      );
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const calls: unknown[] = [];

    const runner = client.chat.completions.runTools({
      ...CHAT_BODY,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            parse: JSON.parse,
            function: (args: { city: string }) => {
              calls.push(args);
              return 'sunny';
            },
          },
        },
      ],
    });

    expect(await runner.finalContent()).toBe('It is sunny in Paris.');
    expect(calls).toEqual([{ city: 'Paris' }]);
    expect(scope.isDone()).toBe(true);
    const events = await waitForEvents(ph, 2);
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.properties.$ai_stop_reason).sort()).toEqual(['stop', 'tool_calls']);
    expect(events.every((e) => Array.isArray(e.properties.$ai_tools))).toBe(true);
  });
});

describe('the client', () => {
  test('withOptions() returns a client that is still tracked with the same settings and uses the new SDK options', async () => {
    const ph = newPostHog();
    const scope = nock('https://llm-proxy.example.test')
      .post('/v1/chat/completions')
      .matchHeader('x-team', 'search')
      .reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI(), {
      posthog: ph.posthog,
      distinctId: 'user-7',
      properties: { team: 'search' },
    });

    const derived = client.withOptions({
      baseURL: 'https://llm-proxy.example.test/v1',
      defaultHeaders: { 'x-team': 'search' },
    });
    expect(derived).toBeInstanceOf(SDKOpenAI);
    expect(derived.baseURL).toBe('https://llm-proxy.example.test/v1');
    const completion = await derived.chat.completions.create(CHAT_BODY);

    expect(completion.id).toBe('chatcmpl-abc123');
    expect(scope.isDone()).toBe(true);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.distinct_id).toBe('user-7');
    expect(events[0]!.properties.team).toBe('search');
    expect(events[0]!.properties.$ai_base_url).toBe('https://llm-proxy.example.test/v1');
  });

  test('wrapping an already tracked client does not throw and never double counts', async () => {
    const inner = newPostHog();
    const outer = newPostHog();
    mockOpenAI().post('/v1/chat/completions').times(4).reply(200, chatCompletion(), JSON_HEADERS);
    const once = createTrackedOpenAI(newOpenAI(), { posthog: inner.posthog });

    const twice = createTrackedOpenAI(once, { posthog: outer.posthog });
    const sameAgain = createTrackedOpenAI(once, { posthog: inner.posthog });
    expect(twice).toBeInstanceOf(SDKOpenAI);

    await twice.chat.completions.create(CHAT_BODY);
    await once.chat.completions.create(CHAT_BODY);
    await sameAgain.chat.completions.create(CHAT_BODY);
    await createTrackedOpenAI(twice, { posthog: outer.posthog }).chat.completions.create(CHAT_BODY);

    expect(await waitForEvents(inner, 2)).toHaveLength(2);
    expect(await waitForEvents(outer, 2)).toHaveLength(2);
  });

  test('wrapping an instance of the tracked OpenAI class with createTrackedOpenAI does not double count', async () => {
    const classPh = newPostHog();
    const wrapPh = newPostHog();
    mockOpenAI().post('/v1/chat/completions').times(2).reply(200, chatCompletion(), JSON_HEADERS);
    const fromClass = new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: classPh.posthog });

    const wrapped = createTrackedOpenAI(fromClass, { posthog: wrapPh.posthog });
    await wrapped.chat.completions.create(CHAT_BODY);
    await fromClass.chat.completions.create(CHAT_BODY);

    expect(await waitForEvents(wrapPh, 1)).toHaveLength(1);
    expect(await waitForEvents(classPh, 1)).toHaveLength(1);
  });

  test('other resources work untouched and send no events: models.list, files.list pagination over 2 pages, retrieve, baseURL, apiKey', async () => {
    const ph = newPostHog();
    const file = (id: string) => ({
      id,
      object: 'file',
      bytes: 10,
      created_at: 1_700_000_000,
      filename: `${id}.jsonl`,
      purpose: 'batch',
      status: 'processed',
    });
    const model = (id: string) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'openai' });
    const scope = mockOpenAI()
      .get('/v1/models')
      .reply(200, { object: 'list', data: [model('gpt-4o'), model('gpt-4o-mini')] })
      .get('/v1/models/gpt-4o')
      .reply(200, model('gpt-4o'), { 'x-request-id': 'req_model' })
      .get('/v1/files')
      .query((q) => q.after === undefined)
      .reply(200, { object: 'list', data: [file('file-1'), file('file-2')], has_more: true })
      .get('/v1/files')
      .query({ after: 'file-2' })
      .reply(200, { object: 'list', data: [file('file-3')], has_more: false })
      .get('/v1/files/file-3')
      .reply(200, file('file-3'));
    const client = createTrackedOpenAI(newOpenAI({ baseURL: 'https://api.openai.com/v1' }), { posthog: ph.posthog });

    expect(client.baseURL).toBe('https://api.openai.com/v1');
    expect(client.apiKey).toBe(TEST_API_KEY);

    const modelIds: string[] = [];
    for await (const m of client.models.list()) modelIds.push(m.id);
    expect(modelIds).toEqual(['gpt-4o', 'gpt-4o-mini']);
    const retrieved = await client.models.retrieve('gpt-4o');
    expect(retrieved.owned_by).toBe('openai');
    expect(retrieved._request_id).toBe('req_model');

    const pages: string[][] = [];
    for await (const page of (await client.files.list()).iterPages()) pages.push(page.data.map((f) => f.id));
    expect(pages).toEqual([['file-1', 'file-2'], ['file-3']]);
    expect((await client.files.retrieve('file-3')).filename).toBe('file-3.jsonl');

    expect(scope.pendingMocks()).toEqual([]);
    expect(await waitForEvents(ph, 0)).toHaveLength(0);
  });

  test('items of a paginated list are iterated across pages with for await', async () => {
    const ph = newPostHog();
    const file = (id: string) => ({ id, object: 'file', bytes: 1, created_at: 1, filename: id, purpose: 'batch', status: 'processed' });
    mockOpenAI()
      .get('/v1/files')
      .query((q) => q.after === undefined)
      .reply(200, { object: 'list', data: [file('file-a')], has_more: true })
      .get('/v1/files')
      .query({ after: 'file-a' })
      .reply(200, { object: 'list', data: [file('file-b')], has_more: false });
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const ids: string[] = [];
    for await (const f of client.files.list()) ids.push(f.id);

    expect(ids).toEqual(['file-a', 'file-b']);
    expect(await waitForEvents(ph, 0)).toHaveLength(0);
  });

  test('an OpenAI-compatible provider set by baseURL is reported by name with its base URL', async () => {
    const ph = newPostHog();
    const scope = nock('https://openrouter.ai').post('/api/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);
    const client = createTrackedOpenAI(newOpenAI({ baseURL: 'https://openrouter.ai/api/v1' }), { posthog: ph.posthog });

    const completion = await client.chat.completions.create({ ...CHAT_BODY, model: 'openai/gpt-4o-mini' });

    expect(completion.id).toBe('chatcmpl-abc123');
    expect(scope.isDone()).toBe(true);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_provider).toBe('openrouter');
    expect(events[0]!.properties.$ai_base_url).toBe('https://openrouter.ai/api/v1');
    expect(events[0]!.properties.$ai_model).toBe('openai/gpt-4o-mini');
  });

  test('a 429 reaches the caller as the same error class with the same status, headers and requestID as without tracking', async () => {
    const ph = newPostHog();
    const errorBody = { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    const errorHeaders = { 'x-request-id': 'req_429', 'retry-after': '20', 'x-ratelimit-remaining-requests': '0' };
    mockOpenAI().post('/v1/chat/completions').times(2).reply(429, errorBody, errorHeaders);
    const plain = newOpenAI();
    const client = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });

    const untrackedError = await plain.chat.completions.create(CHAT_BODY).then(
      () => undefined,
      (error: unknown) => error,
    );
    const trackedError = await client.chat.completions.create(CHAT_BODY).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(trackedError).toBeInstanceOf(RateLimitError);
    expect(trackedError).toBeInstanceOf(APIError);
    expect(trackedError).toBeInstanceOf(SDKOpenAI.RateLimitError);
    const tracked = trackedError as RateLimitError;
    const untracked = untrackedError as RateLimitError;
    expect(tracked.constructor).toBe(untracked.constructor);
    expect(tracked.status).toBe(429);
    expect(tracked.status).toBe(untracked.status);
    expect(tracked.requestID).toBe('req_429');
    expect(tracked.requestID).toBe(untracked.requestID);
    expect(tracked.message).toBe(untracked.message);
    expect(tracked.error).toEqual(untracked.error);
    expect(tracked.code).toBe('rate_limit_exceeded');
    expect(Object.fromEntries(tracked.headers!.entries())).toEqual(Object.fromEntries(untracked.headers!.entries()));
    expect(tracked.headers!.get('retry-after')).toBe('20');

    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_is_error).toBe(true);
    expect(events[0]!.properties.$ai_http_status).toBe(429);
  });
});

describe('types', () => {
  test('a tracked client is assignable to the SDK OpenAI type (checked by tsc)', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);

    // Type-level: `tsc --noEmit -p .` accepts these assignments (no `#private` mismatch).
    const c: OpenAI = createTrackedOpenAI(new SDKOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0 }), {
      posthog: ph.posthog,
    });
    const fromClass: OpenAI = new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: ph.posthog });
    const azure: SDKAzureOpenAI = new TrackedAzureOpenAI({
      apiKey: TEST_API_KEY,
      endpoint: 'https://example-resource.openai.azure.com',
      apiVersion: '2024-10-21',
      posthog: ph.posthog,
    });
    const asBase: SDKOpenAI = azure;

    expect(fromClass).toBeInstanceOf(SDKOpenAI);
    expect(asBase).toBeInstanceOf(SDKAzureOpenAI);
    const completion: OpenAI.ChatCompletion = await c.chat.completions.create(CHAT_BODY);
    expect(completion.id).toBe('chatcmpl-abc123');
    expect(await waitForEvents(ph, 1)).toHaveLength(1);
  });

  test('per-call posthog* options type-check on create() for chat, completions, embeddings and responses, and are not sent to OpenAI', async () => {
    const ph = newPostHog();
    const sentBodies: Record<string, unknown>[] = [];
    const record = (body: Record<string, unknown>) => {
      sentBodies.push(body);
      return true;
    };
    mockOpenAI()
      .post('/v1/chat/completions', record)
      .times(2)
      .reply(200, chatCompletion(), JSON_HEADERS)
      .post('/v1/completions', record)
      .times(2)
      .reply(200, legacyCompletion(), JSON_HEADERS)
      .post('/v1/embeddings', record)
      .times(2)
      .reply(200, embeddingResponse(), JSON_HEADERS)
      .post('/v1/responses', record)
      .times(2)
      .reply(200, responsesResponse(), JSON_HEADERS);
    const wrapped = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const fromClass = new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: ph.posthog });

    for (const client of [wrapped, fromClass]) {
      const chat: OpenAI.ChatCompletion = await client.chat.completions.create({
        ...CHAT_BODY,
        posthogDistinctId: 'user-1',
        posthogTraceId: 'trace-1',
        posthogProperties: { feature: 'chat' },
      });
      const completion: OpenAI.Completion = await client.completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'Hello',
        posthogDistinctId: 'user-1',
        posthogGroups: { company: 'acme' },
      });
      const embedding: OpenAI.CreateEmbeddingResponse = await client.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'Hello',
        posthogDistinctId: 'user-1',
        posthogPrivacyMode: true,
      });
      const response: OpenAI.Responses.Response = await client.responses.create({
        model: 'gpt-4.1',
        input: 'Hello',
        posthogDistinctId: 'user-1',
        posthogModelOverride: 'my-model',
      });
      expect([chat.id, completion.id, embedding.model, response.id]).toEqual([
        'chatcmpl-abc123',
        'cmpl-abc123',
        'text-embedding-3-small',
        'resp_abc123',
      ]);
    }

    expect(sentBodies).toHaveLength(8);
    for (const body of sentBodies) {
      expect(Object.keys(body).filter((key) => key.startsWith('posthog'))).toEqual([]);
    }
    const events = await waitForEvents(ph, 8);
    expect(events).toHaveLength(8);
    expect(events.every((e) => e.distinct_id === 'user-1')).toBe(true);
  });
});

describe('the import-swap classes', () => {
  test('new OpenAI({ apiKey, posthog }) is instanceof the SDK OpenAI and tracks each call once', async () => {
    const ph = newPostHog();
    mockOpenAI().post('/v1/chat/completions').reply(200, chatCompletion(), JSON_HEADERS);

    const client = new TrackedOpenAI({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: ph.posthog });
    expect(client).toBeInstanceOf(SDKOpenAI);
    expect(client).toBeInstanceOf(TrackedOpenAI);
    expect(client.apiKey).toBe(TEST_API_KEY);
    const promise = client.chat.completions.create(CHAT_BODY);
    expect(promise).toBeInstanceOf(APIPromise);
    const completion = await promise;

    expect(completion._request_id).toBe('req_drop_in_1');
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_provider).toBe('openai');
  });

  test('withOptions() on the OpenAI class stays tracked with the same settings, one event per call', async () => {
    const ph = newPostHog();
    const scope = mockOpenAI()
      .post('/v1/chat/completions')
      .matchHeader('x-extra', '1')
      .times(2)
      .reply(200, chatCompletion(), JSON_HEADERS);
    const client = new TrackedOpenAI({
      apiKey: TEST_API_KEY,
      maxRetries: 0,
      posthog: ph.posthog,
      properties: { app: 'drop-in' },
    });

    const derived = client.withOptions({ defaultHeaders: { 'x-extra': '1' } });
    expect(derived).toBeInstanceOf(SDKOpenAI);
    expect(derived).toBeInstanceOf(TrackedOpenAI);
    await derived.chat.completions.create(CHAT_BODY);
    await derived.withOptions({ timeout: 5000 }).chat.completions.create(CHAT_BODY);

    expect(scope.isDone()).toBe(true);
    const events = await waitForEvents(ph, 2);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.properties.app === 'drop-in')).toBe(true);
  });

  test('AzureOpenAI with an endpoint, apiVersion and deployment is instanceof the SDK AzureOpenAI and reports provider azure', async () => {
    const ph = newPostHog();
    const scope = nock('https://example-resource.openai.azure.com')
      .post('/openai/deployments/my-gpt-4o/chat/completions')
      .query({ 'api-version': '2024-10-21' })
      .matchHeader('api-key', TEST_API_KEY)
      .reply(200, chatCompletion(), JSON_HEADERS);

    const client = new TrackedAzureOpenAI({
      apiKey: TEST_API_KEY,
      endpoint: 'https://example-resource.openai.azure.com',
      apiVersion: '2024-10-21',
      deployment: 'my-gpt-4o',
      maxRetries: 0,
      posthog: ph.posthog,
    });
    expect(client).toBeInstanceOf(SDKAzureOpenAI);
    expect(client).toBeInstanceOf(SDKOpenAI);
    const completion = await client.chat.completions.create({ ...CHAT_BODY, model: 'gpt-4o' });

    expect(completion.id).toBe('chatcmpl-abc123');
    expect(scope.isDone()).toBe(true);
    const events = await waitForEvents(ph, 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.properties.$ai_provider).toBe('azure');
    expect(events[0]!.properties.$ai_base_url).toBe('https://example-resource.openai.azure.com/openai');
  });
});
