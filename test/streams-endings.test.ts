import { APIError, InternalServerError, OpenAI, RateLimitError } from 'openai';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { mockOpenAI, newOpenAI } from './support/openai.js';
import { type Connection, sseServer, type SseServer } from './support/local-openai.mjs';
import { mockPostHog, type ReceivedEvent, waitForEvents } from './support/posthog.js';
import { streamFileGuards } from './support/tracked.js';
import { chatChunks, sseBody } from './support/sse.js';
import { watchSdkStreams } from './support/streams.js';
import { sleep, within } from './support/time.js';

// Issue 3 / drop-in point 13: exactly one event per streamed call, however it ends. A local
// 127.0.0.1 server sends the first chunks and then only what each test tells it to, so every
// ending happens mid-stream for real. Each scenario runs through an untracked client too: the
// caller must see the same chunks and the same kind of error.

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }] };

/** The chunks OpenAI sends a request (usage only when asked for). */
const chunksFor = (connection: Connection) => chatChunks({ withUsage: connection.body.stream_options?.include_usage === true });
/** Sends the role chunk and "Hello" right away, then holds the connection open. */
const firstTwo = (connection: Connection) => connection.write(sseBody(chunksFor(connection).slice(0, 2), { done: false }));

const { posthogs, servers } = streamFileGuards();

async function setup(onConnection?: (connection: Connection) => void) {
  const server = await sseServer(onConnection);
  servers.push(server);
  const ph = mockPostHog();
  posthogs.push(ph);
  const options = { baseURL: server.baseURL };
  return {
    server,
    ph,
    plain: newOpenAI(options),
    tracked: createTrackedOpenAI(newOpenAI(options), { posthog: ph.posthog }),
  };
}

/** The one event of a call that ended `ending` after the caller read "Hello". */
function expectPartial(events: ReceivedEvent[], ending: string, isError: boolean) {
  expect(events).toHaveLength(1);
  const p = events[0].properties;
  expect(p.$ai_stream).toBe(true);
  expect(p.$ai_stream_ending).toBe(ending);
  expect(p.$ai_is_error).toBe(isError);
  expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello' }]);
  expect(p.$ai_input_tokens).toBeUndefined(); // usage never arrived
  expect(p.$ai_stop_reason).toBeUndefined();
  expect(p.$ai_time_to_first_token).toBeGreaterThan(0);
  expect(p.$ai_time_to_first_token).toBeLessThanOrEqual(p.$ai_latency);
  return p;
}

describe('the caller reads to the end', () => {
  test('chunks arriving over time: one completed event; time to first token and latency in seconds', async () => {
    const { server, ph, plain, tracked } = await setup(async (connection) => {
      const chunks = chunksFor(connection);
      connection.write(sseBody(chunks.slice(0, 1), { done: false }));
      await sleep(60);
      connection.write(sseBody(chunks.slice(1, 2), { done: false }));
      await sleep(60);
      connection.write(sseBody(chunks.slice(2)));
      connection.end();
    });
    const read = async (client: OpenAI) => {
      const chunks: unknown[] = [];
      for await (const chunk of await client.chat.completions.create({ ...CHAT, stream: true })) chunks.push(chunk);
      return chunks;
    };
    const untracked = await read(plain);
    const chunks = await read(tracked);
    expect(chunks).toEqual(untracked);
    expect(chunks).toHaveLength(5);
    expect(server.connections[1].closedEarly).toBe(false);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_stream_ending).toBe('completed');
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
    expect(p.$ai_input_tokens).toBe(9);
    expect(p.$ai_time_to_first_token).toBeGreaterThanOrEqual(0.05);
    expect(p.$ai_latency).toBeGreaterThanOrEqual(p.$ai_time_to_first_token + 0.05);
    expect(p.$ai_latency).toBeLessThan(5);
  });
});

describe('the caller leaves the loop early: one stopped event (not an error) with the partial output, request closed', () => {
  async function leaveEarly(leave: (client: OpenAI) => Promise<unknown[]>) {
    const { server, ph, plain, tracked } = await setup(firstTwo);
    const untracked = await leave(plain);
    const chunks = await leave(tracked);
    expect(chunks).toEqual(untracked);
    expect(chunks).toHaveLength(2);
    for (const connection of server.connections) await within(connection.closedByClient, 'the server seeing the request closed');
    expectPartial(await waitForEvents(ph), 'stopped', false);
  }

  test('break', async () => {
    await leaveEarly(async (client) => {
      const chunks: unknown[] = [];
      for await (const chunk of await client.chat.completions.create({ ...CHAT, stream: true })) {
        chunks.push(chunk);
        if (chunks.length === 2) break;
      }
      return chunks;
    });
  });

  test('return from a function inside the loop', async () => {
    await leaveEarly(async (client) => {
      const chunks: unknown[] = [];
      for await (const chunk of await client.chat.completions.create({ ...CHAT, stream: true })) {
        chunks.push(chunk);
        if (chunks.length === 2) return chunks;
      }
      throw new Error('not reached');
    });
  });

  test('an exception thrown in the loop body reaches the caller as their own exception', async () => {
    await leaveEarly(async (client) => {
      const chunks: unknown[] = [];
      const mine = new Error('caller bug');
      try {
        for await (const chunk of await client.chat.completions.create({ ...CHAT, stream: true })) {
          chunks.push(chunk);
          if (chunks.length === 2) throw mine;
        }
      } catch (error) {
        expect(error).toBe(mine);
        return chunks;
      }
      throw new Error('not reached');
    });
  });
});

describe('aborted mid-stream: one aborted event (not an error) with the partial output, request closed', () => {
  test('stream.controller.abort(): the loop ends without an error, as without tracking', async () => {
    const { server, ph, plain, tracked } = await setup(firstTwo);
    const read = async (client: OpenAI) => {
      const chunks: unknown[] = [];
      const stream = await client.chat.completions.create({ ...CHAT, stream: true });
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunks.length === 2) stream.controller.abort();
      }
      return chunks;
    };
    const untracked = await read(plain);
    const chunks = await read(tracked);
    expect(chunks).toEqual(untracked);
    expect(chunks).toHaveLength(2);
    await within(server.connections[1].closedByClient, 'the server seeing the request aborted');
    expectPartial(await waitForEvents(ph), 'aborted', false);
  });

  test("the request's own signal (AbortController in the request options)", async () => {
    const { server, ph, plain, tracked } = await setup(firstTwo);
    const read = async (client: OpenAI) => {
      const chunks: unknown[] = [];
      const abort = new AbortController();
      const stream = await client.chat.completions.create({ ...CHAT, stream: true }, { signal: abort.signal });
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunks.length === 2) abort.abort();
      }
      return chunks;
    };
    const untracked = await read(plain);
    const chunks = await read(tracked);
    expect(chunks).toEqual(untracked);
    expect(chunks).toHaveLength(2);
    await within(server.connections[1].closedByClient, 'the server seeing the request aborted');
    expectPartial(await waitForEvents(ph), 'aborted', false);
  });
});

describe('failing mid-stream: the caller gets the SDK error object; one error event with the partial output', () => {
  async function failMidStream(server: SseServer, client: OpenAI, failNow: (connection: Connection) => void) {
    const chunks: unknown[] = [];
    const index = server.connections.length;
    try {
      for await (const chunk of await client.chat.completions.create({ ...CHAT, stream: true })) {
        chunks.push(chunk);
        if (chunks.length === 2) failNow(server.connections[index]);
      }
    } catch (error) {
      return { chunks, error };
    }
    throw new Error('the stream did not fail');
  }

  test('a network error: the server destroys the socket after two chunks', async () => {
    const { server, ph, plain, tracked } = await setup(firstTwo);
    const untracked = await failMidStream(server, plain, (connection) => connection.destroySocket());
    const sdk = watchSdkStreams();
    let outcome;
    try {
      outcome = await failMidStream(server, tracked, (connection) => connection.destroySocket());
      expect(sdk.streams[0].thrown).toHaveLength(1);
      expect(outcome.error).toBe(sdk.streams[0].thrown[0]);
    } finally {
      sdk.restore();
    }
    expect(outcome.chunks).toEqual(untracked.chunks);
    expect(outcome.chunks).toHaveLength(2);
    expect((outcome.error as Error).constructor).toBe((untracked.error as Error).constructor);
    expect((outcome.error as Error).message).toBe((untracked.error as Error).message);

    const p = expectPartial(await waitForEvents(ph), 'error', true);
    expect(p.$ai_error).toContain((outcome.error as Error).message);
  });

  test('a provider {"error": {...}} event: the SDK throws an APIError, the caller gets that very object', async () => {
    const providerError = {
      message: 'The server had an error while processing your request. Sorry about that!',
      type: 'server_error',
      param: null,
      code: null,
    };
    const sendError = (connection: Connection) => {
      connection.write(`data: ${JSON.stringify({ error: providerError })}\n\n`);
      connection.end();
    };
    const { server, ph, plain, tracked } = await setup(firstTwo);
    const untracked = await failMidStream(server, plain, sendError);
    const sdk = watchSdkStreams();
    let outcome;
    try {
      outcome = await failMidStream(server, tracked, sendError);
      expect(outcome.error).toBe(sdk.streams[0].thrown[0]);
    } finally {
      sdk.restore();
    }
    expect(outcome.chunks).toEqual(untracked.chunks);
    expect(outcome.error).toBeInstanceOf(APIError);
    expect(outcome.error).toBeInstanceOf((untracked.error as Error).constructor);
    expect((outcome.error as APIError).error).toEqual(providerError);
    expect((outcome.error as Error).message).toBe((untracked.error as Error).message);

    const p = expectPartial(await waitForEvents(ph), 'error', true);
    expect(p.$ai_error).toContain('The server had an error while processing your request');
    expect(p.$ai_error).toContain('server_error');
  });
});

describe('an HTTP error before the first chunk: the SDK error reaches the caller; still one stream event', () => {
  test.each([
    { status: 429, errorClass: RateLimitError, message: 'Rate limit reached for gpt-4o-mini', type: 'requests', code: 'rate_limit_exceeded' },
    { status: 500, errorClass: InternalServerError, message: 'The server had an error', type: 'server_error', code: null },
  ])('HTTP $status', async ({ status, errorClass, message, type, code }) => {
    const ph = mockPostHog();
    posthogs.push(ph);
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const body = { error: { message, type, param: null, code } };
    mockOpenAI().post('/v1/chat/completions').times(2).reply(status, body, { 'x-request-id': 'req_fail_1' });

    const untrackedError = await newOpenAI()
      .chat.completions.create({ ...CHAT, stream: true })
      .catch((error: unknown) => error);
    const error = await tracked.chat.completions.create({ ...CHAT, stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf((untrackedError as Error).constructor);
    expect((error as APIError).status).toBe(status);
    expect((error as APIError).requestID).toBe('req_fail_1');
    expect((error as Error).message).toBe((untrackedError as Error).message);

    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_stream).toBe(true);
    expect(p.$ai_is_error).toBe(true);
    expect(p.$ai_http_status).toBe(status);
    expect(p.$ai_error).toContain(message);
    expect(p.$ai_stream_ending).toBe('error');
    expect(p.$ai_time_to_first_token).toBeUndefined();
    expect(p.$ai_latency).toBeGreaterThan(0);
  });
});
