import v8 from 'node:v8';
import vm from 'node:vm';
import type { OpenAI } from 'openai';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { stopWatching, whenCollected } from '../src/intercept/unread.js';
import { mockOpenAI, newOpenAI } from './support/openai.js';
import { type Connection, sseServer } from './support/local-openai.mjs';
import { mockPostHog, type PostHogMock, type ReceivedEvent } from './support/posthog.js';
import { streamFileGuards } from './support/tracked.js';
import { chatChunks, legacyChunks, responsesEvents, SSE_HEADERS, sseBody } from './support/sse.js';
import { readAll } from './support/streams.js';
import { sleep } from './support/time.js';

// Issue 15: a streamed call is billed once its request is sent, read or not. A stream that is
// created and never read (the stream dropped, or the promise of it never awaited) gets one event,
// `not_read`, when it is garbage collected; a stream read part of the way and dropped, `stopped`.
// Never a second event, never one while someone can still read the stream, and tracking keeps
// neither the stream nor the promise alive. A local 127.0.0.1 server answers every request with
// the whole stream at once, as soon as it arrives.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const { posthogs, servers } = streamFileGuards();

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }] };
const LEGACY = { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hello' };
const RESPONSES = { model: 'gpt-4.1', input: 'Say hello' };

/** The whole SSE body OpenAI sends for a request to `path` (usage only when asked for). */
function answer(connection: Connection): string {
  const withUsage = connection.body.stream_options?.include_usage === true;
  const url = connection.request.url ?? '';
  if (url.endsWith('/chat/completions')) return sseBody(chatChunks({ withUsage }));
  if (url.endsWith('/completions')) return sseBody(legacyChunks({ withUsage }));
  return sseBody(responsesEvents('completed'), { named: true, done: false });
}

async function setup() {
  const server = await sseServer((connection) => {
    connection.write(answer(connection));
    connection.end();
  });
  servers.push(server);
  const ph = mockPostHog();
  posthogs.push(ph);
  const tracked = createTrackedOpenAI(newOpenAI({ baseURL: server.baseURL }), { posthog: ph.posthog });
  return { server, ph, tracked };
}

/**
 * Forces full GCs, a turn of the event loop after each (finalization callbacks run in tasks of
 * their own), until PostHog has `expected` events, at most `tries` times; then waits a little so a
 * late duplicate would show. Returns every event PostHog received.
 */
async function collectUntil(ph: PostHogMock, expected = 1, tries = 50): Promise<ReceivedEvent[]> {
  for (let i = 0; i < tries; i++) {
    gc();
    await sleep(10);
    if ((await ph.received()).length >= expected) break;
  }
  await sleep(30);
  return [...(await ph.received())];
}

/**
 * Forces GCs until every one of `refs` is cleared, at most `tries` times. A `deref()` keeps its
 * target alive until the end of the current job: the check and the next GC are a turn apart.
 */
async function cleared(refs: WeakRef<object>[], tries = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    gc();
    await sleep(5);
    if (refs.every((ref) => ref.deref() === undefined)) return true;
    await sleep(1);
  }
  return false;
}

/** Forces GCs for a while, with turns of the event loop between them, whatever arrives. */
async function collectFor(tries = 10): Promise<void> {
  for (let i = 0; i < tries; i++) {
    gc();
    await sleep(10);
  }
}

type Api = 'chat' | 'legacy' | 'responses';
const APIS: Api[] = ['chat', 'legacy', 'responses'];

/** A streamed `create()` of `api`: the SDK's `APIPromise` of a `Stream`. */
function createStream(client: OpenAI, api: Api): PromiseLike<AsyncIterable<unknown>> {
  if (api === 'chat') return client.chat.completions.create({ ...CHAT, stream: true });
  if (api === 'legacy') return client.completions.create({ ...LEGACY, stream: true });
  return client.responses.create({ ...RESPONSES, stream: true });
}

/**
 * The one `not_read` event of a call nobody read. `answeredAfter`: milliseconds from just before the
 * call to a moment the caller knew its response had arrived (its latency ends at the response's
 * headers, not at the collection, which came later).
 */
function expectNotRead(events: ReceivedEvent[], answeredAfter: number) {
  expect(events).toHaveLength(1);
  const p = events[0].properties;
  expect(events[0].event).toBe('$ai_generation');
  expect(p.$ai_stream).toBe(true);
  expect(p.$ai_stream_ending).toBe('not_read');
  expect(p.$ai_is_error).toBe(false);
  expect(p.$ai_http_status).toBe(200);
  expect(p.$ai_output_choices).toBeUndefined();
  expect(p.$ai_output_tokens).toBeUndefined();
  expect(p.$ai_time_to_first_token).toBeUndefined();
  // Up to the response headers, not up to the collection.
  expect(p.$ai_latency).toBeGreaterThan(0);
  expect(p.$ai_latency).toBeLessThanOrEqual(answeredAfter / 1000);
  return p;
}

const HELD_MS = 300;

describe('a stream nobody reads: one not_read event when it is collected', () => {
  for (const api of APIS) {
    test(`${api}: the stream is awaited, never iterated, and dropped`, async () => {
      const { server, ph, tracked } = await setup();
      const startedAt = performance.now();
      let answeredAt = 0;
      await (async () => {
        const stream = await createStream(tracked, api);
        answeredAt = performance.now();
        expect(stream).toBeDefined();
        await sleep(HELD_MS);
      })();
      expect(server.connections).toHaveLength(1);
      expect(await ph.received()).toHaveLength(0); // nothing before the stream is let go
      const p = expectNotRead(await collectUntil(ph), answeredAt - startedAt);
      expect(p.$ai_model).toBe(api === 'chat' ? CHAT.model : api === 'legacy' ? LEGACY.model : RESPONSES.model);
    });

    test(`${api}: the promise is never awaited (the SDK sends the request anyway)`, async () => {
      const { server, ph, tracked } = await setup();
      const startedAt = performance.now();
      (() => {
        void createStream(tracked, api);
      })();
      await server.connection(0);
      await sleep(HELD_MS);
      const events = await collectUntil(ph);
      expectNotRead(events, performance.now() - startedAt);
    });
  }

  test('the promise collected before its response arrives: the event comes with the response', async () => {
    const ph = mockPostHog();
    posthogs.push(ph);
    // The response headers come 500 ms after the request.
    mockOpenAI().post('/v1/chat/completions').delay(500).reply(200, sseBody(chatChunks()), SSE_HEADERS);
    const tracked = createTrackedOpenAI(newOpenAI(), { posthog: ph.posthog });
    const startedAt = performance.now();
    const ref = (() => new WeakRef(tracked.chat.completions.create({ ...CHAT, stream: true })))();
    expect(await cleared([ref], 20)).toBe(true);
    await sleep(20);
    expect(await ph.received()).toHaveLength(0); // collected, but its response is not here yet
    const events = await collectUntil(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('not_read');
    expect(events[0].properties.$ai_latency).toBeGreaterThanOrEqual(0.45);
    expect(events[0].properties.$ai_latency).toBeLessThanOrEqual((performance.now() - startedAt) / 1000);
  });

  test('asResponse() taken and dropped: still one not_read event', async () => {
    const { ph, tracked } = await setup();
    const startedAt = performance.now();
    await (async () => {
      const response = await tracked.chat.completions.create({ ...CHAT, stream: true }).asResponse();
      expect(response.status).toBe(200);
    })();
    // Tracked as not read a turn after the raw response is handed over: ended then, not at collection.
    const events = await collectUntil(ph);
    expectNotRead(events, performance.now() - startedAt);
  });

  test('withResponse(): the stream dropped unread, one not_read event', async () => {
    const { ph, tracked } = await setup();
    const startedAt = performance.now();
    let answeredAt = 0;
    await (async () => {
      const { data, response } = await tracked.chat.completions.create({ ...CHAT, stream: true }).withResponse();
      answeredAt = performance.now();
      expect(data).toBeDefined();
      expect(response.status).toBe(200);
      await sleep(HELD_MS);
    })();
    expectNotRead(await collectUntil(ph), answeredAt - startedAt);
  });

  test('aborted and never read: one aborted event, none at collection', async () => {
    const { ph, tracked } = await setup();
    await (async () => {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      stream.controller.abort();
    })();
    await collectFor();
    const events = await collectUntil(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('aborted');
  });
});

describe('a stream read part of the way and dropped: one stopped event when it is collected', () => {
  test('two chunks pulled by hand, the iterator dropped without return()', async () => {
    const { ph, tracked } = await setup();
    await (async () => {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      await iterator.next();
      await sleep(HELD_MS);
    })();
    const events = await collectUntil(ph);
    expect(events).toHaveLength(1);
    const p = events[0].properties;
    expect(p.$ai_stream_ending).toBe('stopped');
    expect(p.$ai_is_error).toBe(false);
    expect(p.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello' }]);
    expect(p.$ai_time_to_first_token).toBeGreaterThan(0);
    // Up to the first chunk with content, not up to the collection.
    expect(p.$ai_latency).toBe(p.$ai_time_to_first_token);
  });
});

describe('a stream someone can still read gets no event from a collection', () => {
  test('read to the end: one completed event, none more after GCs', async () => {
    const { ph, tracked } = await setup();
    await (async () => {
      const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));
      expect(chunks).toHaveLength(5);
    })();
    await collectFor();
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
  });

  test('obtained, kept through GCs (its promise collected), read later: one completed event', async () => {
    const { ph, tracked } = await setup();
    // The promise is dropped here; the caller keeps only the stream.
    const stream = await (async () => tracked.chat.completions.create({ ...CHAT, stream: true }))();
    await collectFor();
    expect(await ph.received()).toHaveLength(0);
    const chunks = await readAll(stream);
    expect(chunks).toHaveLength(5);
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
    expect(events[0].properties.$ai_input_tokens).toBe(9);
  });

  test('the promise kept through GCs, awaited and read later: one completed event', async () => {
    const { ph, tracked } = await setup();
    const promise = tracked.chat.completions.create({ ...CHAT, stream: true });
    await sleep(50);
    await collectFor();
    expect(await ph.received()).toHaveLength(0);
    expect(await readAll(await promise)).toHaveLength(5);
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });

  test('for await over `await create()` (nobody holds the stream itself), GCs inside the loop: one completed event', async () => {
    const { ph, tracked } = await setup();
    let count = 0;
    for await (const _chunk of await tracked.chat.completions.create({ ...CHAT, stream: true })) {
      count++;
      gc();
      await sleep(10);
    }
    expect(count).toBe(5);
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });

  test('tee() halves read one after the other, GCs between (the stream itself dropped): one completed event', async () => {
    const { ph, tracked } = await setup();
    const [left, right] = (await tracked.chat.completions.create({ ...CHAT, stream: true })).tee();
    await collectFor();
    expect(await readAll(left)).toHaveLength(5);
    await collectFor();
    expect(await readAll(right)).toHaveLength(5);
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });

  test('toReadableStream() read later, the stream itself dropped: one completed event', async () => {
    const { ph, tracked } = await setup();
    const readable = (await tracked.chat.completions.create({ ...CHAT, stream: true })).toReadableStream();
    await collectFor();
    const text = await new Response(readable).text();
    expect(text.trim().split('\n')).toHaveLength(5);
    const events = await collectUntil(ph, 2, 5);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });
});

describe('helpers that read their own stream', () => {
  test('chat.completions.stream() never read by the caller: one event, as its runner reads the stream', async () => {
    const { ph, tracked } = await setup();
    (() => {
      void tracked.chat.completions.stream(CHAT);
    })();
    const events = await collectUntil(ph, 2, 20);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });

  test('responses.stream() never read by the caller: one event', async () => {
    const { ph, tracked } = await setup();
    (() => {
      void tracked.responses.stream(RESPONSES);
    })();
    const events = await collectUntil(ph, 2, 20);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });
});

describe('tracking keeps nothing of the caller alive', () => {
  test('the stream and its promise are collected, read to the end or never read', async () => {
    const { ph, tracked } = await setup();
    const refs = await (async () => {
      const readPromise = tracked.chat.completions.create({ ...CHAT, stream: true });
      const readStream = await readPromise;
      await readAll(readStream);
      const unreadPromise = tracked.chat.completions.create({ ...CHAT, stream: true });
      const unreadStream = await unreadPromise;
      const neverAwaited = tracked.chat.completions.create({ ...CHAT, stream: true });
      return [readPromise, readStream, unreadPromise, unreadStream, neverAwaited].map((value) => new WeakRef(value as object));
    })();
    await sleep(50);
    expect(await cleared(refs)).toBe(true);
    const events = await collectUntil(ph, 3);
    expect(events.map((event) => event.properties.$ai_stream_ending).sort()).toEqual(['completed', 'not_read', 'not_read']);
  });

  test('a watch given up as its call ends lets go of what it held at once, while the watched object lives, and is never called', async () => {
    // Left in place, a watch would keep each call's record (and V8 each watched object) until a
    // major collection: streams read to their end give theirs up.
    const watched = {};
    let calls = 0;
    const held = (() => {
      const record = { collected: () => calls++ };
      whenCollected(watched, record);
      stopWatching(record);
      return new WeakRef(record);
    })();
    expect(await cleared([held])).toBe(true);
    expect(calls).toBe(0);
    expect(watched).toEqual({});
  });

  test("a stream nobody reads has its connection closed once collected, as without tracking", async () => {
    // The server sends two chunks and holds the connection open: only the client can close it.
    const server = await sseServer((connection) => connection.write(sseBody(chatChunks().slice(0, 2), { done: false })));
    servers.push(server);
    const ph = mockPostHog();
    posthogs.push(ph);
    const plain = newOpenAI({ baseURL: server.baseURL });
    const tracked = createTrackedOpenAI(newOpenAI({ baseURL: server.baseURL }), { posthog: ph.posthog });
    const dropUnread = async (client: OpenAI) => {
      await client.chat.completions.create({ ...CHAT, stream: true });
    };
    const neverAwait = (client: OpenAI) => {
      void client.chat.completions.create({ ...CHAT, stream: true });
    };
    await dropUnread(plain);
    await dropUnread(tracked);
    neverAwait(plain);
    neverAwait(tracked);
    await server.connection(3);
    await sleep(50);
    let closed = 0;
    for (const connection of server.connections) void connection.closedByClient.then(() => closed++);
    for (let i = 0; i < 50 && closed < 4; i++) {
      gc();
      await sleep(10);
    }
    expect(closed).toBe(4);
    const events = await collectUntil(ph, 2);
    expect(events.map((event) => event.properties.$ai_stream_ending)).toEqual(['not_read', 'not_read']);
  });
});
