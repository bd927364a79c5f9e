import { createRequire } from 'node:module';
import { Stream } from 'openai/streaming';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { newOpenAI, nockSse, TEST_API_KEY } from './support/openai.js';
import { sseServer } from './support/local-openai.mjs';
import { mockPostHog, type ReceivedEvent, waitForEvents } from './support/posthog.js';
import { streamFileGuards } from './support/tracked.js';
import { chatChunks, sseBody } from './support/sse.js';
import { readAll, watchSdkStreams } from './support/streams.js';
import { sleep, within } from './support/time.js';
import { openaiAtLeast } from './support/versions.js';
import { withoutBuild } from './support/build.js';

// Issue 3 / drop-in point 4: the caller gets a real `Stream` of the SDK's class over the SDK's own
// controller, and every way of consuming it (for await, tee, toReadableStream, withResponse,
// asResponse) works as without tracking and is tracked exactly once.

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }] };
const CHAT_PATH = '/v1/chat/completions';
/** OpenAI's answer: usage (and `usage: null` on each chunk) only when the request asked for it. */
const asOpenAI = (request: Record<string, any>) => sseBody(chatChunks({ withUsage: request.stream_options?.include_usage === true }));

const { posthogs, servers } = streamFileGuards();
function setup(clientOptions: Record<string, unknown> = {}) {
  const ph = mockPostHog();
  posthogs.push(ph);
  return {
    ph,
    plain: newOpenAI(clientOptions),
    tracked: createTrackedOpenAI(newOpenAI(clientOptions), { posthog: ph.posthog }),
  };
}

function expectCompleted(events: ReceivedEvent[]) {
  expect(events).toHaveLength(1);
  const p = events[0].properties;
  expect(p.$ai_stream).toBe(true);
  expect(p.$ai_stream_ending).toBe('completed');
  expect(p.$ai_is_error).toBe(false);
  expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
  expect(p.$ai_input_tokens).toBe(9);
  expect(p.$ai_output_tokens).toBe(3);
  expect(p.$ai_time_to_first_token).toBeLessThanOrEqual(p.$ai_latency);
}

describe('the returned value', () => {
  test('is an instanceof the SDK Stream (ESM) whose controller is the very AbortController the SDK made for the request', async () => {
    const { ph, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI);
    const sdk = watchSdkStreams();
    try {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      expect(stream).toBeInstanceOf(Stream);
      expect(Object.getPrototypeOf(stream)).toBe(Stream.prototype);
      expect(sdk.streams).toHaveLength(1);
      expect(stream.controller).toBe(sdk.streams[0].controller);
      expect(stream.controller).toBeInstanceOf(AbortController);
      expect(await readAll(stream)).toHaveLength(5);
    } finally {
      sdk.restore();
    }
    expectCompleted(await waitForEvents(ph));
  });

  test('aborting the SDK controller the stream exposes aborts the HTTP request: the server sees the connection closed; one aborted event', async () => {
    const server = await sseServer((connection) => connection.write(sseBody(chatChunks({ withUsage: true }).slice(0, 2), { done: false })));
    servers.push(server);
    const { ph, tracked } = setup({ baseURL: server.baseURL });
    const sdk = watchSdkStreams();
    try {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      const chunks: unknown[] = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunks.length === 2) sdk.streams[0].controller.abort();
      }
      expect(chunks).toHaveLength(2);
    } finally {
      sdk.restore();
    }
    const connection = await server.connection(0);
    await within(connection.closedByClient, 'the server seeing the request aborted');
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('aborted');
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello' }]);
  });

  test.skipIf(withoutBuild)('CJS: the built package (dist/index.cjs) returns an instanceof the CJS SDK Stream, tracked once', async () => {
    const require = createRequire(import.meta.url);
    const { OpenAI: TrackedCjs } = require('../dist/index.cjs') as typeof import('../src/index.js');
    const { Stream: CjsStream } = require('openai/streaming') as typeof import('openai/streaming');
    const ph = mockPostHog();
    posthogs.push(ph);
    const tracked = new TrackedCjs({ apiKey: TEST_API_KEY, maxRetries: 0, posthog: ph.posthog });
    nockSse(CHAT_PATH, asOpenAI);
    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
    expect(stream).toBeInstanceOf(CjsStream);
    expect(await readAll(stream)).toHaveLength(5);
    expectCompleted(await waitForEvents(ph));
  });
});

describe('ways of consuming a stream, each tracked once', () => {
  test('tee(): both halves read the untracked chunks (one after the other, then interleaved); one event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI, { times: 3 });
    const untracked = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));

    const [left, right] = (await tracked.chat.completions.create({ ...CHAT, stream: true })).tee();
    expect(left).toBeInstanceOf(Stream);
    expect(right).toBeInstanceOf(Stream);
    expect(await readAll(left)).toEqual(untracked);
    expect(await readAll(right)).toEqual(untracked);
    expectCompleted(await waitForEvents(ph));

    const [a, b] = (await tracked.chat.completions.create({ ...CHAT, stream: true })).tee();
    const ia = a[Symbol.asyncIterator]();
    const ib = b[Symbol.asyncIterator]();
    const fromA: unknown[] = [];
    const fromB: unknown[] = [];
    for (;;) {
      const [stepA, stepB] = await Promise.all([ia.next(), ib.next()]);
      if (stepA.done && stepB.done) break;
      if (!stepA.done) fromA.push(stepA.value);
      if (!stepB.done) fromB.push(stepB.value);
    }
    expect(fromA).toEqual(untracked);
    expect(fromB).toEqual(untracked);
    expect(await waitForEvents(ph, 2)).toHaveLength(2);
  });

  test('toReadableStream() then Stream.fromReadableStream(): the untracked chunks; one event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI, { times: 2 });
    const untracked = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));

    const readable = (await tracked.chat.completions.create({ ...CHAT, stream: true })).toReadableStream();
    expect(readable).toBeInstanceOf(ReadableStream);
    expect(await waitForEvents(ph, 0)).toHaveLength(0); // nothing read, nothing sent
    const again = Stream.fromReadableStream(readable, new AbortController());
    expect(await readAll(again)).toEqual(untracked);
    expectCompleted(await waitForEvents(ph));
  });

  test('toReadableStream() cancelled after one chunk: one stopped event with the partial output (openai 7.12.1 and later: aborted)', async () => {
    const { ph, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI);
    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
    const reader = stream.toReadableStream().getReader();
    await reader.read(); // role
    await reader.read(); // "Hello"
    await reader.cancel();
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    // From openai 7.12.1, cancel aborts the request's controller before it closes the iterator: the
    // SDK itself aborts the stream, and that is what the event says. Before, it closes the iterator
    // first (which aborts the request after): the caller stopped.
    expect(events[0].properties.$ai_stream_ending).toBe(openaiAtLeast('7.12.1') ? 'aborted' : 'stopped');
    expect(events[0].properties.$ai_is_error).toBe(false);
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello' }]);
  });

  test('withResponse() on a stream call: data is a Stream, response ok, request_id; reading it gives the untracked chunks; one completed event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI, { times: 2 });
    const untracked = await plain.chat.completions.create({ ...CHAT, stream: true }).withResponse();
    const untrackedChunks = await readAll(untracked.data);

    const { data, response, request_id } = await tracked.chat.completions.create({ ...CHAT, stream: true }).withResponse();
    expect(data).toBeInstanceOf(Stream);
    expect(response).toBeInstanceOf(Response);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(request_id).toBe(untracked.request_id);
    expect(request_id).toBe('req_stream_1');
    await sleep(10); // past the moment a raw-response reader would decide
    expect(await readAll(data)).toEqual(untrackedChunks);
    expectCompleted(await waitForEvents(ph));
  });

  test('asResponse() on a stream call: the caller reads the whole SSE body; one event, not_read, no output', async () => {
    const { ph, tracked } = setup();
    const sent: string[] = [];
    nockSse(CHAT_PATH, (request) => {
      const body = asOpenAI(request);
      sent.push(body);
      return body;
    });
    const sdk = watchSdkStreams();
    let text: string;
    try {
      const response = await tracked.chat.completions.create({ ...CHAT, stream: true }).asResponse();
      expect(response).toBeInstanceOf(Response);
      expect(response.bodyUsed).toBe(false);
      text = await response.text();
      expect(sdk.streams).toHaveLength(0); // no Stream made, no body read by tracking
    } finally {
      sdk.restore();
    }
    expect(text).toBe(sent[0]);
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_stream).toBe(true);
    expect(p.$ai_stream_ending).toBe('not_read');
    expect(p.$ai_is_error).toBe(false);
    expect(p.$ai_http_status).toBe(200);
    expect(p.$ai_output_choices).toBeUndefined();
    expect(p.$ai_time_to_first_token).toBeUndefined();
  });

  test('iterating a consumed stream again throws the SDK error, as without tracking; still one event', async () => {
    const { ph, plain, tracked } = setup();
    nockSse(CHAT_PATH, asOpenAI, { times: 2 });
    const untracked = await plain.chat.completions.create({ ...CHAT, stream: true });
    await readAll(untracked);
    const untrackedError = await readAll(untracked).catch((error: unknown) => error);

    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
    await readAll(stream);
    const error = await readAll(stream).catch((e: unknown) => e);
    expect(error).toBeInstanceOf((untrackedError as object).constructor);
    expect((error as Error).message).toBe((untrackedError as Error).message);
    expectCompleted(await waitForEvents(ph));
  });

  test('a stream the caller aborts before reading anything is still tracked once, as aborted', async () => {
    const server = await sseServer((connection) => connection.write(sseBody(chatChunks().slice(0, 2), { done: false })));
    servers.push(server);
    const { ph, tracked } = setup({ baseURL: server.baseURL });
    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
    stream.controller.abort();
    await within((await server.connection(0)).closedByClient, 'the server seeing the request aborted');
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('aborted');
    expect(events[0].properties.$ai_is_error).toBe(false);
    // reading it afterwards (as the SDK allows) ends at once and adds no event
    expect(await readAll(stream)).toEqual([]);
    expect(await waitForEvents(ph)).toHaveLength(1);
  });

  test("the request's own signal aborted before the stream is read: tracked once, as aborted, at once; the abort's reason is the SDK's", async () => {
    const server = await sseServer((connection) => connection.write(sseBody(chatChunks().slice(0, 2), { done: false })));
    servers.push(server);
    const { ph, tracked } = setup({ baseURL: server.baseURL });
    const abort = new AbortController();
    const stream = await tracked.chat.completions.create({ ...CHAT, stream: true }, { signal: abort.signal });
    abort.abort();
    await within((await server.connection(0)).closedByClient, 'the server seeing the request aborted');
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('aborted');
    // The controller the caller holds is the SDK's, and aborts as the SDK's does, with its reason.
    expect(stream.controller).toBeInstanceOf(AbortController);
    expect(stream.controller.signal.aborted).toBe(true);
    const again = await tracked.chat.completions.create({ ...CHAT, stream: true });
    const reason = new Error('the caller had enough');
    expect(again.controller.abort(reason)).toBeUndefined();
    expect(again.controller.signal.reason).toBe(reason);
    const both = await waitForEvents(ph, 2);
    expect(both.map((event) => event.properties.$ai_stream_ending)).toEqual(['aborted', 'aborted']);
  });
});
