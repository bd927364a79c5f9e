import { OpenAI } from 'openai';
import type { PostHog } from 'posthog-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatChunksFor, echoChat, localOpenAI, type LocalOpenAI, type OpenAIRequest, sendJson } from './support/local-openai.mjs';
import type { ReceivedEvent } from './support/posthog.js';
import { localPostHog, type LocalPostHog } from './support/local-posthog.mjs';
import { newPostHog } from './support/posthog-client.js';
import { watchSdkStreams } from './support/streams.js';
import { expectWellFormedEvent, observableError, observedSdkClient, rejectionOf } from './support/checks.js';
import { activeResources, processErrors, resourcesAbove } from './support/process.js';
import { refusedPort } from './support/servers.mjs';
import { sleep } from './support/time.js';

// OpenAI failing, served by a local 127.0.0.1 server: every fault (an HTTP error, a cut or refused
// connection, a timeout, an abort) gives the caller what the untracked client gives (the SDK's very
// own error object), however the caller handles it, sends exactly one event whose $ai_error says
// what failed without a key, a stack or a path, and leaves no timer, socket or server behind once
// the servers are closed and PostHog is shut down.

const process_ = processErrors();
let baseline: Record<string, number>;
let openai: LocalOpenAI;
let phServer: LocalPostHog;
let posthog: PostHog;
const attempts = new Map<string, number>();
/** Every tracked call made by this file, by fault name: the events expected. */
const expectedEvents = new Map<string, number>();
let faultsTried = 0;
const API_KEY = 'sk-faults-0123456789abcdefSECRET';

/**
 * The errors OpenAI answers with, by status. A 401 repeats the key it was given (the real API masks
 * it; a proxy or an older API version may not), and so does the 502 of a proxy in front of OpenAI.
 */
function openAIError(status: number, key: string) {
  const errors: Record<number, [string, string, string | null, string | null]> = {
    400: ["Invalid value for 'temperature': must be at most 2.", 'invalid_request_error', 'invalid_value', 'temperature'],
    401: [`Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key', null],
    404: ['The model `gpt-9` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found', null],
    429: ['Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1.', 'requests', 'rate_limit_exceeded', null],
    500: ['The server had an error while processing your request. Sorry about that!', 'server_error', null, null],
    502: [`upstream refused Authorization: Bearer ${key} (key ${key})`, 'proxy_error', null, null],
    503: ['The engine is currently overloaded.', 'server_error', 'overloaded', null],
  };
  const [message, type, code, param] = errors[status]!;
  return { error: { message, type, param, code } };
}

/** The faults, chosen per request by its `x-fault` header; `x-call` names the call (for retries). */
function serveFault(entry: OpenAIRequest): void {
  const { request, response, body } = entry;
  const fault = String(request.headers['x-fault'] ?? 'ok');
  const callId = String(request.headers['x-call'] ?? '');
  const attempt = (attempts.get(callId) ?? 0) + 1;
  attempts.set(callId, attempt);
  const key = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
  const status = /^status-(\d+)$/.exec(fault);
  if (status) {
    sendJson(response, Number(status[1]), openAIError(Number(status[1]), key), { 'retry-after-ms': '1' });
    return;
  }
  switch (fault) {
    case 'recovers-after-503':
      // Two slow 503s, then the answer.
      if (attempt < 3) setTimeout(() => sendJson(response, 503, openAIError(503, key), { 'retry-after-ms': '0' }), 80);
      else echoChat(entry);
      return;
    case 'cut-before-headers':
      request.socket.destroy();
      return;
    case 'cut-mid-body':
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '400', 'x-request-id': 'req_cut' });
      response.write('{"id":"chatcmpl-cut","object":"chat.completion","choices":[{"index":0,"mess');
      setTimeout(() => request.socket.destroy(), 10);
      return;
    case 'cut-mid-stream':
    case 'stall-mid-stream': {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_cut_stream' });
      const chunks = chatChunksFor('partial answer here', body.stream_options?.include_usage === true);
      for (const chunk of chunks.slice(0, 3)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (fault === 'cut-mid-stream') setTimeout(() => request.socket.destroy(), 10);
      return; // stall: never ends until the caller aborts or the server closes
    }
    case 'hang':
      return;
    default:
      echoChat(entry);
  }
}

beforeAll(async () => {
  baseline = activeResources();
  openai = await localOpenAI(serveFault);
  phServer = await localPostHog();
  posthog = newPostHog(phServer.host);
});

let callCounter = 0;

function clients(clientOptions: Record<string, unknown> = {}) {
  const options = { apiKey: API_KEY, baseURL: openai.baseURL, maxRetries: 0, ...clientOptions };
  const untracked = new OpenAI(options);
  const observed = observedSdkClient(new OpenAI(options));
  const tracked = createTrackedOpenAI(observed.client, { posthog });
  return { untracked, tracked, requestErrors: observed.requestErrors };
}

function requestOptions(fault: string, extra: Record<string, unknown> = {}) {
  const call = `call-${++callCounter}`;
  return { call, options: { headers: { 'x-fault': fault, 'x-call': call }, ...extra } };
}

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

/** The events of one fault (tagged through posthogProperties), after a flush and a wait for late duplicates. */
async function eventsFor(fault: string): Promise<ReceivedEvent[]> {
  await posthog.flush();
  await sleep(30);
  await posthog.flush();
  return phServer.events.filter((event) => event.properties.fault === fault);
}

function expectOneErrorEvent(events: ReceivedEvent[], status: number | undefined, errorName: string) {
  expect(events).toHaveLength(1);
  const [event] = events;
  expectWellFormedEvent(event);
  expect(event.properties.$ai_is_error).toBe(true);
  expect(event.properties.$ai_error).toContain(errorName);
  expectCleanErrorText(event.properties.$ai_error);
  if (status === undefined) expect(event.properties).not.toHaveProperty('$ai_http_status');
  else expect(event.properties.$ai_http_status).toBe(status);
}

/** `$ai_error` says what failed without a stack, a file path or a credential. */
function expectCleanErrorText(text: unknown) {
  expect(typeof text).toBe('string');
  const message = text as string;
  expect(message).not.toContain(API_KEY);
  expect(message).not.toContain('0123456789abcdefSECRET');
  expect(message).not.toMatch(/\n\s+at /);
  expect(message).not.toMatch(/\.(?:[cm]?js|ts):\d+/);
  expect(message).not.toContain(process.cwd());
  expect(message).not.toContain('node_modules');
}

/** Nothing PostHog received carries `key`. */
function expectNoKeyIn(events: ReceivedEvent[], key = API_KEY) {
  expect(JSON.stringify(events)).not.toContain(key);
}

/** Each HTTP error, the SDK class it becomes, and what `$ai_error` must say of it (the key redacted). */
const HTTP_ERRORS = {
  400: { errorClass: OpenAI.BadRequestError, text: "Invalid value for 'temperature'", code: 'invalid_value' },
  401: { errorClass: OpenAI.AuthenticationError, text: 'Incorrect API key provided: [redacted]', code: 'invalid_api_key' },
  404: { errorClass: OpenAI.NotFoundError, text: 'The model `gpt-9` does not exist', code: 'model_not_found' },
  429: { errorClass: OpenAI.RateLimitError, text: 'Rate limit reached for gpt-4o-mini', code: 'rate_limit_exceeded' },
  500: { errorClass: OpenAI.InternalServerError, text: 'The server had an error while processing your request', code: undefined },
  503: { errorClass: OpenAI.InternalServerError, text: 'The engine is currently overloaded', code: 'overloaded' },
} as const;

const HTTP_FAULTS = [
  { status: 400, maxRetries: 0, attempts: 1 },
  { status: 401, maxRetries: 0, attempts: 1 },
  { status: 404, maxRetries: 0, attempts: 1 },
  { status: 429, maxRetries: 0, attempts: 1 },
  { status: 429, maxRetries: 2, attempts: 3 },
  { status: 500, maxRetries: 0, attempts: 1 },
  { status: 500, maxRetries: 1, attempts: 2 },
  { status: 503, maxRetries: 0, attempts: 1 },
  { status: 503, maxRetries: 2, attempts: 3 },
] as const;

describe('OpenAI answering an HTTP error', () => {
  for (const fault of HTTP_FAULTS) {
    const { errorClass, text, code } = HTTP_ERRORS[fault.status];
    for (const stream of [false, true]) {
      const name = `${fault.status}${fault.maxRetries ? ` (maxRetries ${fault.maxRetries})` : ''}${stream ? ', streamed' : ''}`;
      it(`${name}: the SDK's own ${errorClass.name} after ${fault.attempts} attempt(s), one error event saying what failed`, async () => {
        faultsTried++;
        const { untracked, tracked, requestErrors } = clients({ maxRetries: fault.maxRetries });
        const body = { ...CHAT, stream };
        const first = requestOptions(`status-${fault.status}`);
        const expected = await rejectionOf(untracked.chat.completions.create(body, first.options));
        const second = requestOptions(`status-${fault.status}`);
        const tag = `http ${name}`;
        expectedEvents.set(tag, 1);

        const error = await rejectionOf(tracked.chat.completions.create({ ...body, posthogProperties: { fault: tag } }, second.options));

        expect(attempts.get(first.call)).toBe(fault.attempts);
        expect(attempts.get(second.call)).toBe(fault.attempts);
        expect(requestErrors).toHaveLength(1);
        expect(error).toBe(requestErrors[0]);
        expect(error).toBeInstanceOf(errorClass);
        expect(error).toBeInstanceOf(OpenAI.APIError);
        expect(error.status).toBe(fault.status);
        expect(error.requestID).toBe(`req_local_${fault.status}`);
        expect(observableError(error)).toEqual(observableError(expected));
        const events = await eventsFor(tag);
        expectOneErrorEvent(events, fault.status, errorClass.name);
        expect(events[0].properties.$ai_model).toBe('gpt-4o-mini');
        const errorText = events[0].properties.$ai_error as string;
        expect(errorText).toContain(String(fault.status));
        expect(errorText).toContain(text);
        if (code) expect(errorText).toContain(code);
        expectNoKeyIn(events);
        if (stream) expect(events[0].properties.$ai_stream_ending).toBe('error');
      });
    }
  }

  it('503 (slow), 503 (slow), then 200 with maxRetries 2: the answer and its request id, and one success event whose latency covers the retries', async () => {
    faultsTried++;
    const { untracked, tracked } = clients({ maxRetries: 2 });
    const first = requestOptions('recovers-after-503');
    const expected = await untracked.chat.completions.create(CHAT, first.options);
    const second = requestOptions('recovers-after-503');
    expectedEvents.set('recovers', 1);

    const started = performance.now();
    const { data, request_id } = await tracked.chat.completions
      .create({ ...CHAT, posthogProperties: { fault: 'recovers' } }, second.options)
      .withResponse();
    const elapsed = (performance.now() - started) / 1000;

    expect(attempts.get(second.call)).toBe(3);
    expect(JSON.parse(JSON.stringify(data))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(request_id).toBe('req_local_200');
    const events = await eventsFor('recovers');
    expect(events).toHaveLength(1);
    expectWellFormedEvent(events[0]);
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_http_status).toBe(200);
    expect(events[0].properties.$ai_latency).toBeGreaterThanOrEqual(0.15);
    expect(events[0].properties.$ai_latency).toBeLessThanOrEqual(elapsed + 0.01);
  });
});

describe('OpenAI cutting the connection', () => {
  for (const [stream, maxRetries] of [
    [false, 0],
    [true, 0],
    [false, 1],
  ] as const) {
    const name = `a socket cut before the headers${stream ? ', streamed' : ''}${maxRetries ? `, maxRetries ${maxRetries}` : ''}`;
    it(`${name}: the SDK's own APIConnectionError, one error event`, async () => {
      faultsTried++;
      const { untracked, tracked, requestErrors } = clients({ maxRetries });
      const body = { ...CHAT, stream };
      const first = requestOptions('cut-before-headers');
      const expected = await rejectionOf(untracked.chat.completions.create(body, first.options));
      const second = requestOptions('cut-before-headers');
      const tag = `cut ${name}`;
      expectedEvents.set(tag, 1);

      const error = await rejectionOf(tracked.chat.completions.create({ ...body, posthogProperties: { fault: tag } }, second.options));

      expect(attempts.get(second.call)).toBe(maxRetries + 1);
      expect(error).toBe(requestErrors[0]);
      expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
      expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      expect(error.status).toBeUndefined();
      expect(observableError(error)).toEqual(observableError(expected));
      expectOneErrorEvent(await eventsFor(tag), undefined, 'APIConnectionError');
    });
  }

  it("a refused connection: the SDK's own APIConnectionError, one error event saying so, with the base URL", async () => {
    faultsTried++;
    const baseURL = `http://127.0.0.1:${await refusedPort()}/v1`;
    const { untracked, tracked, requestErrors } = clients({ baseURL });
    const expected = await rejectionOf(untracked.chat.completions.create(CHAT));
    expectedEvents.set('refused', 1);

    const error = await rejectionOf(tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'refused' } }));

    expect(error).toBe(requestErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsFor('refused');
    expectOneErrorEvent(events, undefined, 'APIConnectionError');
    expect(events[0].properties.$ai_error).toMatch(/^APIConnectionError: Connection error\./);
    expect(events[0].properties.$ai_base_url).toBe(baseURL);
  });

  it('a socket cut in the middle of a JSON body: the same rejection as untracked, one error event with status 200', async () => {
    faultsTried++;
    const { untracked, tracked, requestErrors } = clients();
    const expected = await rejectionOf(untracked.chat.completions.create(CHAT, requestOptions('cut-mid-body').options));
    expectedEvents.set('cut mid-body', 1);

    const error = await rejectionOf(
      tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'cut mid-body' } }, requestOptions('cut-mid-body').options),
    );

    // The request itself succeeded (200); reading its body failed.
    expect(requestErrors).toEqual([]);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsFor('cut mid-body');
    expectOneErrorEvent(events, 200, (expected as Error).name);
  });

  it('a socket cut in the middle of a stream: the SDK iterator\'s own error, partial output, one event ending "error"', async () => {
    faultsTried++;
    const sdkStreams = watchSdkStreams();
    try {
      const { untracked, tracked } = clients();
      const body = { ...CHAT, stream: true as const };
      const expectedChunks: unknown[] = [];
      const expected = await rejectionOf(
        (async () => {
          for await (const chunk of await untracked.chat.completions.create(body, requestOptions('cut-mid-stream').options)) expectedChunks.push(chunk);
        })(),
      );
      expectedEvents.set('cut mid-stream', 1);

      const chunks: unknown[] = [];
      const stream = await tracked.chat.completions.create(
        { ...body, posthogProperties: { fault: 'cut mid-stream' } },
        requestOptions('cut-mid-stream').options,
      );
      const error = await rejectionOf(
        (async () => {
          for await (const chunk of stream) chunks.push(chunk);
        })(),
      );

      const thrown = sdkStreams.streams.flatMap((view) => view.thrown);
      expect(thrown).toHaveLength(2);
      expect(error).toBe(thrown[1]);
      expect(observableError(error)).toEqual(observableError(expected));
      expect(chunks).toEqual(expectedChunks);
      const events = await eventsFor('cut mid-stream');
      expectOneErrorEvent(events, 200, (expected as Error).name);
      expect(events[0].properties.$ai_stream_ending).toBe('error');
      expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'partial answer' }]);
    } finally {
      sdkStreams.restore();
    }
  });
});

describe('OpenAI not answering', () => {
  for (const stream of [false, true]) {
    it(`a timeout${stream ? ' (streamed)' : ''}: the SDK's own APIConnectionTimeoutError, one error event`, async () => {
      faultsTried++;
      const { untracked, tracked, requestErrors } = clients({ timeout: 60 });
      const body = { ...CHAT, stream };
      const expected = await rejectionOf(untracked.chat.completions.create(body, requestOptions('hang').options));
      const tag = `timeout${stream ? ' streamed' : ''}`;
      expectedEvents.set(tag, 1);

      const error = await rejectionOf(tracked.chat.completions.create({ ...body, posthogProperties: { fault: tag } }, requestOptions('hang').options));

      expect(error).toBe(requestErrors[0]);
      expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
      expect(observableError(error)).toEqual(observableError(expected));
      const events = await eventsFor(tag);
      expectOneErrorEvent(events, undefined, 'APIConnectionTimeoutError');
      expect(events[0].properties.$ai_error).toBe('APIConnectionTimeoutError: Request timed out.');
    });

    it(`an abort while waiting for the answer${stream ? ' (streamed)' : ''}: the SDK's own APIUserAbortError, one event ${stream ? 'ending' : 'stopped'} "aborted" (not an error)`, async () => {
      faultsTried++;
      const { untracked, tracked, requestErrors } = clients();
      const body = { ...CHAT, stream };
      const abortWhenArrived = async (call: string, controller: AbortController) => {
        const deadline = Date.now() + 2000;
        while (!attempts.has(call) && Date.now() < deadline) await sleep(2);
        controller.abort();
      };
      const untrackedAbort = new AbortController();
      const first = requestOptions('hang', { signal: untrackedAbort.signal });
      const [expected] = await Promise.all([
        rejectionOf(untracked.chat.completions.create(body, first.options)),
        abortWhenArrived(first.call, untrackedAbort),
      ]);
      const tag = `abort${stream ? ' streamed' : ''}`;
      expectedEvents.set(tag, 1);

      const abort = new AbortController();
      const second = requestOptions('hang', { signal: abort.signal });
      const [error] = await Promise.all([
        rejectionOf(tracked.chat.completions.create({ ...body, posthogProperties: { fault: tag } }, second.options)),
        abortWhenArrived(second.call, abort),
      ]);

      expect(error).toBe(requestErrors[0]);
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
      expect(observableError(error)).toEqual(observableError(expected));
      // A call the caller aborts is "aborted", before its answer as after a stream's first chunk.
      const events = await eventsFor(tag);
      expect(events).toHaveLength(1);
      expectWellFormedEvent(events[0]);
      expect(events[0].properties).toMatchObject(
        stream ? { $ai_is_error: false, $ai_stream: true, $ai_stream_ending: 'aborted' } : { $ai_is_error: false, $ai_stop_reason: 'aborted' },
      );
      expect(events[0].properties).not.toHaveProperty('$ai_error');
      expect(events[0].properties).not.toHaveProperty('$ai_http_status');
    });
  }

  it('a stream stalled by the server and aborted by the caller: the chunks so far, one event ending "aborted" (not an error)', async () => {
    faultsTried++;
    const { untracked, tracked } = clients();
    const body = { ...CHAT, stream: true as const };
    const readUntilAbort = async (stream: AsyncIterable<unknown> & { controller: AbortController }) => {
      const chunks: unknown[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunks.length === 2) stream.controller.abort();
      }
      return chunks;
    };
    const expected = await readUntilAbort(await untracked.chat.completions.create(body, requestOptions('stall-mid-stream').options));
    expectedEvents.set('stall abort', 1);

    const chunks = await readUntilAbort(
      await tracked.chat.completions.create({ ...body, posthogProperties: { fault: 'stall abort' } }, requestOptions('stall-mid-stream').options),
    );

    expect(chunks).toEqual(expected);
    const events = await eventsFor('stall abort');
    expect(events).toHaveLength(1);
    expectWellFormedEvent(events[0]);
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_stream_ending).toBe('aborted');
  });
});

describe('every tracked method', () => {
  it('chat, completions, responses and embeddings each send one error event with their event name when they fail', async () => {
    faultsTried++;
    const { tracked } = clients();
    const tag = { posthogProperties: { fault: 'every method' } };
    expectedEvents.set('every method', 4);

    const chat = await rejectionOf(tracked.chat.completions.create({ ...CHAT, ...tag }, requestOptions('status-400').options));
    const completion = await rejectionOf(
      tracked.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say', ...tag }, requestOptions('status-404').options),
    );
    const response = await rejectionOf(tracked.responses.create({ model: 'gpt-4.1', input: 'Hi', ...tag }, requestOptions('status-429').options));
    const embedding = await rejectionOf(
      tracked.embeddings.create({ model: 'text-embedding-3-small', input: 'Hi', ...tag }, requestOptions('status-500').options),
    );

    expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
    expect(completion).toBeInstanceOf(OpenAI.NotFoundError);
    expect(response).toBeInstanceOf(OpenAI.RateLimitError);
    expect(embedding).toBeInstanceOf(OpenAI.InternalServerError);
    const events = await eventsFor('every method');
    expect(events).toHaveLength(4);
    const summary = events
      .map((e) => ({ event: e.event, model: e.properties.$ai_model, status: e.properties.$ai_http_status, isError: e.properties.$ai_is_error }))
      .sort((a, b) => a.status - b.status);
    expect(summary).toEqual([
      { event: '$ai_generation', model: 'gpt-4o-mini', status: 400, isError: true },
      { event: '$ai_generation', model: 'gpt-3.5-turbo-instruct', status: 404, isError: true },
      { event: '$ai_generation', model: 'gpt-4.1', status: 429, isError: true },
      { event: '$ai_embedding', model: 'text-embedding-3-small', status: 500, isError: true },
    ]);
    for (const event of events) {
      expectWellFormedEvent(event);
      expectCleanErrorText(event.properties.$ai_error);
    }
  });
});

describe('how the caller handles the failure', () => {
  /** A tracked chat call answered `status`, tagged `tag` (one event expected). */
  function failingCall(tracked: ReturnType<typeof clients>['tracked'], status: number, tag: string) {
    faultsTried++;
    expectedEvents.set(tag, 1);
    return tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: tag } }, requestOptions(`status-${status}`).options);
  }

  it('a failure handled with try/catch is tracked once', async () => {
    const { tracked } = clients();
    let handled: unknown;
    try {
      await failingCall(tracked, 500, 'try/catch');
    } catch (error) {
      handled = error;
    }

    expect(handled).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await eventsFor('try/catch')).toHaveLength(1);
  });

  it('a failure handled with .catch() on the returned promise is tracked once', async () => {
    const { tracked } = clients();
    const handled = await failingCall(tracked, 429, '.catch()').catch((error: unknown) => error);

    expect(handled).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await eventsFor('.catch()')).toHaveLength(1);
  });

  it('.asResponse() on a failing call rejects with the same error as without tracking, and the call is tracked once', async () => {
    const { untracked, tracked, requestErrors } = clients();
    const expected = await rejectionOf(untracked.chat.completions.create(CHAT, requestOptions('status-404').options).asResponse());

    const error = await rejectionOf(failingCall(tracked, 404, '.asResponse()').asResponse());

    expect(error).toBe(requestErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsFor('.asResponse()');
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_http_status).toBe(404);
  });

  it('.withResponse() on a failing call rejects with the same error as without tracking, and the call is tracked once', async () => {
    const { untracked, tracked, requestErrors } = clients();
    const expected = await rejectionOf(untracked.chat.completions.create(CHAT, requestOptions('status-400').options).withResponse());

    const error = await rejectionOf(failingCall(tracked, 400, '.withResponse()').withResponse());

    expect(error).toBe(requestErrors[0]);
    expect(observableError(error)).toEqual(observableError(expected));
    expect(await eventsFor('.withResponse()')).toHaveLength(1);
  });

  it('awaiting a failed call twice gives the same error both times and still one event', async () => {
    const { tracked } = clients();
    const call = failingCall(tracked, 401, 'awaited twice');

    const first = await rejectionOf(call);
    const second = await rejectionOf(call);

    expect(first).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(second).toBe(first);
    expect(await eventsFor('awaited twice')).toHaveLength(1);
  });

  it('a signal aborted before the call: no request, the SDK\'s own APIUserAbortError, one event stopped "aborted"', async () => {
    faultsTried++;
    const { tracked, requestErrors } = clients();
    const abort = new AbortController();
    abort.abort();
    expectedEvents.set('aborted before', 1);
    const { call, options } = requestOptions('hang', { signal: abort.signal });

    const error = await rejectionOf(tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'aborted before' } }, options));

    expect(attempts.has(call)).toBe(false);
    expect(error).toBe(requestErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    const events = await eventsFor('aborted before');
    expect(events).toHaveLength(1);
    expect(events[0].properties).toMatchObject({ $ai_is_error: false, $ai_stop_reason: 'aborted' });
  });
});

describe('keys in what failed', () => {
  it('an error message carrying the API key or a Bearer header is redacted in $ai_error; the caller\'s error is untouched', async () => {
    faultsTried++;
    const { tracked, requestErrors } = clients();
    expectedEvents.set('key in message', 1);

    const error = await rejectionOf(
      tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'key in message' } }, requestOptions('status-502').options),
    );

    expect(error).toBe(requestErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.message).toContain(API_KEY);
    const events = await eventsFor('key in message');
    expectOneErrorEvent(events, 502, 'InternalServerError');
    expect(events[0].properties.$ai_error).not.toMatch(/Bearer\s+\S*SECRET/);
    expect(events[0].properties.$ai_error).toContain('[redacted]');
    expectNoKeyIn(events);
  });

  it("a key that doesn't look like an OpenAI key is still redacted when an error repeats it", async () => {
    faultsTried++;
    const providerKey = 'gw_live_Zq81mNa0pLx7Yt2';
    const { tracked } = clients({ apiKey: providerKey });
    expectedEvents.set('provider key', 1);

    const error = await rejectionOf(
      tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'provider key' } }, requestOptions('status-401').options),
    );

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.message).toContain(providerKey);
    const events = await eventsFor('provider key');
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_error).toContain('AuthenticationError');
    expect(events[0].properties.$ai_error).not.toContain(providerKey);
    expectNoKeyIn(events, providerKey);
  });

  it('a connection error whose cause carries the key: the SDK\'s own APIConnectionError, one error event without the key', async () => {
    faultsTried++;
    const failingFetch = async () => {
      throw new TypeError(`socket hang up (Authorization: Bearer ${API_KEY})`);
    };
    const { untracked, tracked, requestErrors } = clients({ fetch: failingFetch });
    const expected = await rejectionOf(untracked.chat.completions.create(CHAT));
    expectedEvents.set('key in cause', 1);

    const error = await rejectionOf(tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'key in cause' } }));

    expect(error).toBe(requestErrors[0]);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(error.status).toBeUndefined();
    expect(observableError(error)).toEqual(observableError(expected));
    const events = await eventsFor('key in cause');
    expectOneErrorEvent(events, undefined, 'APIConnectionError');
    expectNoKeyIn(events);
  });
});

describe('afterwards', () => {
  it('every fault gave exactly one event, none carries the API key, nothing rejected unhandled, nothing crashed', async () => {
    await posthog.flush();
    await sleep(50);
    await posthog.flush();
    const tagged = phServer.events.filter((event) => typeof event.properties.fault === 'string');
    const expectedTotal = [...expectedEvents.values()].reduce((sum, count) => sum + count, 0);
    for (const [fault, count] of expectedEvents) {
      expect(tagged.filter((event) => event.properties.fault === fault), fault).toHaveLength(count);
    }
    expect(tagged).toHaveLength(expectedTotal);
    expectNoKeyIn(phServer.events);
    expect(process_.unhandled).toEqual([]);
    expect(process_.uncaught).toEqual([]);
    console.log(
      `[faults-openai] faults tried: ${faultsTried}, events expected: ${expectedTotal}, received: ${tagged.length}, unhandled rejections: ${process_.unhandled.length}`,
    );
  });

  it('no timer, socket or server is left once the servers are closed and PostHog is shut down', async () => {
    await openai.close();
    await posthog.shutdown(2000);
    await phServer.close();
    expect(await resourcesAbove(baseline)).toEqual({});
  });
});
