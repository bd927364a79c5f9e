import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI } from '../src/index.js';
import { ChatStreamAccumulator } from '../src/operations/chat-stream.js';
import { CompletionsStreamAccumulator } from '../src/operations/completions-stream.js';
import { TextParts } from '../src/operations/text-parts.js';
import { newOpenAI, nockSse, type RecordedRequest } from './support/openai.js';
import { type Connection, sseServer } from './support/local-openai.mjs';
import { mockPostHog, waitForEvents } from './support/posthog.js';
import { streamFileGuards } from './support/tracked.js';
import { chatChunks, legacyChunks, longChatBody, responsesEvents, sseBody } from './support/sse.js';
import { isUsageOnly, readAll, watchSdkStreams } from './support/streams.js';
import { sleep, within } from './support/time.js';
import { openaiAtLeast } from './support/versions.js';

// Issue 3 / drop-in points 14 and 16: token usage asked for (and kept from the caller) only when the
// caller did not decide; tracking never reads ahead of the caller nor sends before the end; a long
// stream goes through whole.

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Say hello' }] };
const CHAT_PATH = '/v1/chat/completions';
const wantsUsage = (request: Record<string, any>) => request.stream_options?.include_usage === true;
/** OpenAI's answer: the usage chunk (and `usage: null` on each chunk) only when asked for. */
const chatAsOpenAI = (request: Record<string, any>) => sseBody(chatChunks({ withUsage: wantsUsage(request) }));

const { posthogs, servers } = streamFileGuards();
function setup(options: Record<string, unknown> = {}, clientOptions: Record<string, unknown> = {}) {
  const ph = mockPostHog();
  posthogs.push(ph);
  return {
    ph,
    plain: newOpenAI(clientOptions),
    tracked: createTrackedOpenAI(newOpenAI(clientOptions), { posthog: ph.posthog, ...options }),
  };
}

describe('stream_options.include_usage', () => {
  test('added when the caller set no stream_options: OpenAI receives include_usage, the usage-only chunk is kept from the caller, the event has the tokens', async () => {
    const { ph, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { requests });
    const request = { ...CHAT, stream: true as const };
    const chunks = await readAll(await tracked.chat.completions.create(request));

    expect(requests[0].body).toEqual({ ...CHAT, stream: true, stream_options: { include_usage: true } });
    expect(request).toEqual({ ...CHAT, stream: true }); // the caller's object is not changed
    expect(chunks).toHaveLength(5);
    expect(chunks.some(isUsageOnly)).toBe(false);
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBe(9);
    expect(events[0].properties.$ai_output_tokens).toBe(3);
  });

  test("chunks as OpenAI writes them today (`usage` then `obfuscation`): the caller's chunks equal the untracked ones, keys in the same order", async () => {
    const { ph, plain, tracked } = setup();
    // OpenAI's layout: `"usage": null` (with include_usage) comes before `"obfuscation"` (on by default).
    const asOpenAIToday = (request: Record<string, any>) =>
      sseBody(
        chatChunks({ withUsage: wantsUsage(request) }).map((chunk, i) => {
          const { usage, ...rest } = chunk;
          return { ...rest, choices: chunk.choices, ...(usage !== undefined ? { usage } : {}), obfuscation: 'pad'.repeat(i + 1) };
        }),
      );
    nockSse(CHAT_PATH, asOpenAIToday, { times: 2 });
    const untracked = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));
    const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));

    expect(chunks).toEqual(untracked);
    expect(chunks.map((chunk) => Object.keys(chunk as object))).toEqual(untracked.map((chunk) => Object.keys(chunk as object)));
    expect(Object.keys(chunks[0] as object).slice(-2)).toEqual(['choices', 'obfuscation']);
    expect((await waitForEvents(ph))[0].properties.$ai_output_tokens).toBe(3);
  });

  test('a chunk with an own "__proto__" key (JSON.parse makes those) is handed on with that key, as untracked', async () => {
    const { plain, tracked } = setup();
    const withProtoKey = (request: Record<string, any>) =>
      chatAsOpenAI(request).replace(/"choices":/g, '"__proto__":{"x":1},"choices":');
    nockSse(CHAT_PATH, withProtoKey, { times: 2 });
    const untracked = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));
    const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));

    expect(chunks).toHaveLength(untracked.length);
    chunks.forEach((chunk, i) => {
      expect(Object.getPrototypeOf(chunk)).toBe(Object.getPrototypeOf(untracked[i]));
      expect(Object.keys(chunk as object)).toEqual(Object.keys(untracked[i] as object));
      expect(Object.getOwnPropertyDescriptor(chunk, '__proto__')?.value).toEqual({ x: 1 });
    });
  });

  // openai 7.30 and later hand on a plain normalized copy of each parsed chunk, whatever JSON.parse made.
  test.skipIf(openaiAtLeast('7.30.0'))('a chunk that is not a plain object keeps its prototype: the usage: null is deleted from it rather than copied away', async () => {
    const { tracked } = setup();
    nockSse(CHAT_PATH, chatAsOpenAI);
    class Chunk {}
    const parse = JSON.parse;
    // The SDK parses chunks with JSON.parse, which makes plain objects; here it makes Chunk instances.
    JSON.parse = (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
      const value = parse(text, reviver);
      return value?.object === 'chat.completion.chunk' ? Object.setPrototypeOf(value, Chunk.prototype) : value;
    };
    let chunks: unknown[];
    try {
      chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));
    } finally {
      JSON.parse = parse;
    }
    expect(chunks).toHaveLength(5);
    for (const chunk of chunks) {
      expect(chunk).toBeInstanceOf(Chunk);
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  test('added to legacy completion streams too, the usage-only chunk kept from the caller', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse('/v1/completions', (request) => sseBody(legacyChunks({ withUsage: wantsUsage(request) })), { times: 2, requests });
    const request = { model: 'gpt-3.5-turbo-instruct', prompt: 'Hello', n: 2, stream: true as const };
    const untracked = await readAll(await plain.completions.create(request));
    const chunks = await readAll(await tracked.completions.create(request));

    expect(requests[0].body.stream_options).toBeUndefined();
    expect(requests[1].body.stream_options).toEqual({ include_usage: true });
    expect(chunks).toEqual(untracked);
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBe(3);
    expect(events[0].properties.$ai_output_tokens).toBe(4);
  });

  test('not added to Responses streams, which always end with usage', async () => {
    const { ph, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse('/v1/responses', sseBody(responsesEvents('completed'), { named: true, done: false }), { requests });
    await readAll(await tracked.responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true }));
    expect(requests[0].body).toEqual({ model: 'gpt-4.1', input: 'Hi', stream: true });
    expect((await waitForEvents(ph))[0].properties.$ai_input_tokens).toBe(20);
  });

  test('not added when the caller set { include_usage: false }: the request is theirs, chunks as untracked, no tokens', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 2, requests });
    const request = { ...CHAT, stream: true as const, stream_options: { include_usage: false } };
    const untracked = await readAll(await plain.chat.completions.create(request));
    const chunks = await readAll(await tracked.chat.completions.create(request));

    expect(requests[1].body).toEqual(requests[0].body);
    expect(requests[1].body.stream_options).toEqual({ include_usage: false });
    expect(chunks).toEqual(untracked);
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBeUndefined();
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello world!' }]);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });

  test('added to stream_options that say nothing about the usage ({ include_obfuscation: false }): a copy with both is sent, chunks as untracked, the event has the tokens', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 2, requests });
    const streamOptions = { include_obfuscation: false };
    const request = { ...CHAT, stream: true as const, stream_options: streamOptions };
    const untracked = await readAll(await plain.chat.completions.create(request));
    const chunks = await readAll(await tracked.chat.completions.create(request));

    expect(requests[0].body.stream_options).toEqual({ include_obfuscation: false });
    expect(requests[1].body.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(streamOptions).toEqual({ include_obfuscation: false }); // the caller's object is not changed
    expect(request.stream_options).toBe(streamOptions);
    expect(chunks).toEqual(untracked);
    for (const chunk of chunks) expect(chunk).not.toHaveProperty('usage');
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBe(9);
    expect(events[0].properties.$ai_model_parameters.stream_options).toEqual({ include_obfuscation: false }); // what the caller asked for
  });

  test.each([
    ["null, the caller's own choice: sent as it is, no usage asked for", null],
    ['{}, which says nothing about the usage: include_usage added', {}],
  ])('stream_options %s', async (_name, streamOptions) => {
    const { ph, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { requests });
    await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true as const, stream_options: streamOptions }));
    const events = await waitForEvents(ph);
    if (streamOptions === null) {
      expect(requests[0].body.stream_options).toBeNull();
      expect(events[0].properties.$ai_input_tokens).toBeUndefined();
    } else {
      expect(requests[0].body.stream_options).toEqual({ include_usage: true });
      expect(events[0].properties.$ai_input_tokens).toBe(9);
    }
  });

  test('when the caller set { include_usage: true } the usage-only chunk IS shown to them, as untracked; the event has the tokens', async () => {
    const { ph, plain, tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 2, requests });
    const request = { ...CHAT, stream: true as const, stream_options: { include_usage: true } };
    const untracked = await readAll(await plain.chat.completions.create(request));
    const chunks = await readAll(await tracked.chat.completions.create(request));

    expect(requests[1].body).toEqual(requests[0].body);
    expect(chunks).toEqual(untracked);
    expect(chunks).toHaveLength(6);
    expect(isUsageOnly(chunks[5])).toBe(true);
    expect(chunks[0]).toHaveProperty('usage', null); // what OpenAI sent, untouched
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBe(9);
  });

  test('not added with the client option includeStreamUsage: false: the request and chunks as untracked, no tokens', async () => {
    const { ph, plain, tracked } = setup({ includeStreamUsage: false });
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 2, requests });
    const untracked = await readAll(await plain.chat.completions.create({ ...CHAT, stream: true }));
    const chunks = await readAll(await tracked.chat.completions.create({ ...CHAT, stream: true }));

    expect(requests[1].body).toEqual({ ...CHAT, stream: true });
    expect(requests[1].body).toEqual(requests[0].body);
    expect(chunks).toEqual(untracked);
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_input_tokens).toBeUndefined();
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
  });
});

describe('a request body that cannot be copied to ask for the usage', () => {
  test('a symbol-keyed getter that throws (JSON never reads it): the SDK gets the body as it is, chunks as untracked, one event without tokens', async () => {
    const { ph, plain, tracked } = setup({ debug: () => {} });
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 2, requests });
    const body = () =>
      Object.defineProperty({ ...CHAT, stream: true as const }, Symbol('local state'), {
        enumerable: true,
        get() {
          throw new Error('not for copying');
        },
      });
    const untracked = await readAll(await plain.chat.completions.create(body()));
    const chunks = await readAll(await tracked.chat.completions.create(body()));

    expect(requests[1].body).toEqual({ ...CHAT, stream: true });
    expect(chunks).toEqual(untracked);
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('completed');
    expect(events[0].properties.$ai_input_tokens).toBeUndefined();
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: expect.any(String) }]);
  });
});

describe('the body copied to ask for the usage', () => {
  test('keeps what a spread keeps: an own "__proto__" key (JSON.parse makes those) and symbol keys; the caller\'s body unchanged', async () => {
    const { tracked } = setup();
    const requests: RecordedRequest[] = [];
    nockSse(CHAT_PATH, chatAsOpenAI, { times: 1, requests });
    const body = JSON.parse('{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}],"__proto__":{"x":1},"stream":true}') as typeof CHAT & {
      stream: true;
      [key: symbol]: unknown;
    };
    const local = Symbol('local state');
    body[local] = 1;
    await readAll(await tracked.chat.completions.create(body));

    expect(Object.getOwnPropertyDescriptor(requests[0].body, '__proto__')?.value).toEqual({ x: 1 });
    expect(requests[0].body.stream_options).toEqual({ include_usage: true });
    expect(Object.keys(body)).toEqual(['model', 'messages', '__proto__', 'stream']);
    expect(body[local]).toBe(1);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
  });
});

describe('tracking never reads ahead of the caller', () => {
  test('three chunks on the wire, the caller reads two and breaks: the SDK yielded two, the server sees the request closed, no event before the end', async () => {
    let connection!: Connection;
    const server = await sseServer((c) => {
      connection = c;
    });
    servers.push(server);
    const { ph, tracked } = setup({}, { baseURL: server.baseURL });
    const sdk = watchSdkStreams();
    try {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      await server.connection(0);
      const chunks = chatChunks({ withUsage: wantsUsage(connection.body) });
      // the server sends only when told: role chunk and "Hello" first
      connection.write(sseBody(chunks.slice(0, 2), { done: false }));
      await sleep(30);
      expect(sdk.streams[0].yielded).toHaveLength(0); // nothing pulled before the caller asks
      expect(await ph.received()).toHaveLength(0);

      const read: unknown[] = [];
      for await (const chunk of stream) {
        read.push(chunk);
        if (read.length === 1) {
          // " world" is on the wire now too; the caller has not asked for it
          connection.write(sseBody(chunks.slice(2, 3), { done: false }));
          await sleep(30);
          expect(sdk.streams[0].yielded).toHaveLength(1);
        }
        if (read.length === 2) {
          await sleep(30);
          expect(sdk.streams[0].yielded).toHaveLength(2);
          expect(await ph.received()).toHaveLength(0); // the stream has not ended: no event yet
          break;
        }
      }
      await within(connection.closedByClient, 'the server seeing the request closed');
      await sleep(30);
      expect(sdk.streams[0].yielded).toHaveLength(2); // nothing drained in the background after the break
    } finally {
      sdk.restore();
    }
    const events = await waitForEvents(ph);
    expect(events).toHaveLength(1);
    expect(events[0].properties.$ai_stream_ending).toBe('stopped');
    expect(events[0].properties.$ai_output_choices).toEqual([{ role: 'assistant', content: 'Hello' }]);
  });

  test('a stream the caller has not started reading keeps its request open and pulls nothing', async () => {
    const server = await sseServer((c) => c.write(sseBody(chatChunks().slice(0, 3), { done: false })));
    servers.push(server);
    const { ph, tracked } = setup({}, { baseURL: server.baseURL });
    const sdk = watchSdkStreams();
    try {
      const stream = await tracked.chat.completions.create({ ...CHAT, stream: true });
      await sleep(50);
      expect(sdk.streams[0].yielded).toHaveLength(0);
      expect((await server.connection(0)).closedEarly).toBe(false);
      expect(await ph.received()).toHaveLength(0);
      stream.controller.abort(); // clean up
    } finally {
      sdk.restore();
    }
  });
});

test('a 20,000-chunk stream cut into 64 KB pieces: the caller gets every chunk; one event with the whole text', async () => {
  const { ph, tracked } = setup();
  const count = 20_000;
  const { body, text } = longChatBody(count);
  nockSse(CHAT_PATH, body, { pieceSize: 64 * 1024 });

  const started = performance.now();
  let chunks = 0;
  const parts: string[] = [];
  for await (const chunk of await tracked.chat.completions.create({ ...CHAT, stream: true })) {
    chunks++;
    const content = chunk.choices[0].delta.content; // would crash on a usage-only chunk
    if (content) parts.push(content);
  }
  const elapsed = performance.now() - started;
  expect(chunks).toBe(count + 2); // role chunk, the words, the finish chunk (usage chunk kept from the caller)
  expect(parts.join('')).toBe(text);
  expect(elapsed).toBeLessThan(5000);

  const events = await waitForEvents(ph);
  expect(events).toHaveLength(1);
  const p = events[0].properties;
  expect(p.$ai_output_choices[0].content).toHaveLength(text.length);
  expect(p.$ai_output_choices[0].content).toBe(text);
  expect(p.$ai_output_tokens).toBe(count);
  expect(p.$ai_stream_ending).toBe('completed');
});

describe('streamed text is kept in blocks', () => {
  test('any number of fragments, across block boundaries, gives back the whole text in order', () => {
    for (const count of [0, 1, 255, 256, 257, 512, 1000]) {
      const parts = new TextParts();
      const fragments = Array.from({ length: count }, (_, i) => `${i},`);
      for (const fragment of fragments) parts.push(fragment);
      expect(parts.isEmpty).toBe(count === 0);
      expect(parts.text()).toBe(fragments.join(''));
    }
  });
});

describe('streamed results are assembled in index order', () => {
  test('chat: choices and tool calls that first arrive out of order come out sorted; call fields first seen, usage last', () => {
    const accumulator = new ChatStreamAccumulator();
    const base = { object: 'chat.completion.chunk', created: 1_700_000_000 };
    accumulator.add({ ...base, id: 'a', model: 'gpt-4o', choices: [{ index: 2, delta: { content: 'C' } }] });
    accumulator.add({
      ...base,
      id: 'b',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 't1', function: { name: 'g', arguments: '{}' } }] } }],
    });
    accumulator.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 't0', function: { name: 'f', arguments: '[' } }] } }] });
    accumulator.add({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ']' } }] } }] });
    accumulator.add({ ...base, choices: [{ index: 1, delta: { content: 'B' }, finish_reason: 'stop' }], usage: null });
    accumulator.add({ ...base, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } });
    expect(accumulator.result()).toStrictEqual({
      id: 'a',
      model: 'gpt-4o',
      created: 1_700_000_000,
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 't0', type: 'function', function: { name: 'f', arguments: '[]' } },
              { id: 't1', type: 'function', function: { name: 'g', arguments: '{}' } },
            ],
          },
          finish_reason: null,
        },
        { index: 1, message: { role: 'assistant', content: 'B' }, finish_reason: 'stop' },
        { index: 2, message: { role: 'assistant', content: 'C' }, finish_reason: null },
      ],
    });
  });

  test('legacy completions: choices that first arrive out of order come out sorted; nothing seen, no fields', () => {
    const accumulator = new CompletionsStreamAccumulator();
    expect(accumulator.result()).toStrictEqual({ object: 'text_completion', choices: [] });
    accumulator.add({ choices: [{ index: 1, text: 'b' }] });
    accumulator.add({ choices: [{ index: 0, text: 'a', finish_reason: 'length' }] });
    accumulator.add({ service_tier: 'default', choices: [{ index: 1, text: 'c', finish_reason: 'stop' }] });
    expect(accumulator.result()).toStrictEqual({
      service_tier: 'default',
      object: 'text_completion',
      choices: [
        { index: 0, text: 'a', finish_reason: 'length' },
        { index: 1, text: 'bc', finish_reason: 'stop' },
      ],
    });
  });
});
