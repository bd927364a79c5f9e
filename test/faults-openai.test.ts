import { OpenAI } from 'openai';
import type { PostHog } from 'posthog-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { chatChunksFor, echoChat, localOpenAI, type LocalOpenAI, type OpenAIRequest, sendJson } from './support/local-openai.js';
import type { ReceivedEvent } from './support/posthog.js';
import { localPostHog, type LocalPostHog, newPostHog } from './support/local-posthog.js';
import { watchSdkStreams } from './support/streams.js';
import { expectWellFormedEvent, observableError, observedSdkClient, rejectionOf } from './support/checks.js';
import { activeResources, processErrors, resourcesAbove } from './support/process.js';
import { sleep } from './support/time.js';

// OpenAI misbehaving, served by a local 127.0.0.1 server: every fault gives the caller what the
// untracked client gives (the SDK's very own error object), sends exactly one event, and leaves no
// timer, socket or server behind once the servers are closed and PostHog is shut down.

const process_ = processErrors();
let baseline: Record<string, number>;
let openai: LocalOpenAI;
let phServer: LocalPostHog;
let posthog: PostHog;
const attempts = new Map<string, number>();
/** Every tracked call made by this file, by fault name: the events expected. */
const expectedEvents = new Map<string, number>();
let faultsTried = 0;

function openAIError(status: number) {
  const messages: Record<number, [string, string, string | null]> = {
    400: ["Invalid value for 'temperature'.", 'invalid_request_error', 'invalid_value'],
    401: ['Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'],
    404: ['The model `gpt-9` does not exist.', 'invalid_request_error', 'model_not_found'],
    429: ['Rate limit reached for gpt-4o-mini.', 'requests', 'rate_limit_exceeded'],
    500: ['The server had an error while processing your request.', 'server_error', null],
    503: ['The engine is currently overloaded.', 'server_error', 'overloaded'],
  };
  const [message, type, code] = messages[status];
  return { error: { message, type, param: null, code } };
}

/** The faults, chosen per request by its `x-fault` header; `x-call` names the call (for retries). */
function serveFault(entry: OpenAIRequest): void {
  const { request, response, body } = entry;
  const fault = String(request.headers['x-fault'] ?? 'ok');
  const callId = String(request.headers['x-call'] ?? '');
  const attempt = (attempts.get(callId) ?? 0) + 1;
  attempts.set(callId, attempt);
  const status = /^status-(\d+)$/.exec(fault);
  if (status) {
    sendJson(response, Number(status[1]), openAIError(Number(status[1])), { 'retry-after-ms': '1' });
    return;
  }
  switch (fault) {
    case 'recovers-after-503':
      if (attempt < 3) sendJson(response, 503, openAIError(503), { 'retry-after-ms': '1' });
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
  const options = { apiKey: 'sk-faults-test', baseURL: openai.baseURL, maxRetries: 0, ...clientOptions };
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
  if (status === undefined) expect(event.properties).not.toHaveProperty('$ai_http_status');
  else expect(event.properties.$ai_http_status).toBe(status);
}

const HTTP_FAULTS = [
  { status: 400, errorClass: OpenAI.BadRequestError, maxRetries: 0, attempts: 1 },
  { status: 401, errorClass: OpenAI.AuthenticationError, maxRetries: 0, attempts: 1 },
  { status: 404, errorClass: OpenAI.NotFoundError, maxRetries: 0, attempts: 1 },
  { status: 429, errorClass: OpenAI.RateLimitError, maxRetries: 0, attempts: 1 },
  { status: 429, errorClass: OpenAI.RateLimitError, maxRetries: 2, attempts: 3 },
  { status: 500, errorClass: OpenAI.InternalServerError, maxRetries: 0, attempts: 1 },
  { status: 500, errorClass: OpenAI.InternalServerError, maxRetries: 1, attempts: 2 },
  { status: 503, errorClass: OpenAI.InternalServerError, maxRetries: 0, attempts: 1 },
  { status: 503, errorClass: OpenAI.InternalServerError, maxRetries: 2, attempts: 3 },
] as const;

describe('OpenAI answering an HTTP error', () => {
  for (const fault of HTTP_FAULTS) {
    for (const stream of [false, true]) {
      const name = `${fault.status}${fault.maxRetries ? ` (maxRetries ${fault.maxRetries})` : ''}${stream ? ', streamed' : ''}`;
      it(`${name}: the SDK's own ${fault.errorClass.name} after ${fault.attempts} attempt(s), one error event`, async () => {
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
        expect(error).toBeInstanceOf(fault.errorClass);
        expect(observableError(error)).toEqual(observableError(expected));
        const events = await eventsFor(tag);
        expectOneErrorEvent(events, fault.status, fault.errorClass.name);
        if (stream) expect(events[0].properties.$ai_stream_ending).toBe('error');
      });
    }
  }

  it('503, 503, then 200 with maxRetries 2: the answer, and one success event whose latency covers the retries', async () => {
    faultsTried++;
    const { untracked, tracked } = clients({ maxRetries: 2 });
    const first = requestOptions('recovers-after-503');
    const expected = await untracked.chat.completions.create(CHAT, first.options);
    const second = requestOptions('recovers-after-503');
    expectedEvents.set('recovers', 1);

    const started = performance.now();
    const result = await tracked.chat.completions.create({ ...CHAT, posthogProperties: { fault: 'recovers' } }, second.options);
    const elapsed = (performance.now() - started) / 1000;

    expect(attempts.get(second.call)).toBe(3);
    expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(JSON.stringify(expected)));
    const events = await eventsFor('recovers');
    expect(events).toHaveLength(1);
    expectWellFormedEvent(events[0]);
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_http_status).toBe(200);
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
      expect(observableError(error)).toEqual(observableError(expected));
      expectOneErrorEvent(await eventsFor(tag), undefined, 'APIConnectionError');
    });
  }

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
      expectOneErrorEvent(await eventsFor(tag), undefined, 'APIConnectionTimeoutError');
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

describe('afterwards', () => {
  it('every fault gave exactly one event, nothing rejected unhandled, nothing crashed', async () => {
    await posthog.flush();
    await sleep(50);
    await posthog.flush();
    const tagged = phServer.events.filter((event) => typeof event.properties.fault === 'string');
    const expectedTotal = [...expectedEvents.values()].reduce((sum, count) => sum + count, 0);
    for (const [fault, count] of expectedEvents) {
      expect(tagged.filter((event) => event.properties.fault === fault), fault).toHaveLength(count);
    }
    expect(tagged).toHaveLength(expectedTotal);
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
