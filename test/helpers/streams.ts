import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import nock from 'nock';
import { Stream } from 'openai/streaming';
import { afterEach, vi } from 'vitest';
import { OPENAI_BASE } from './openai.js';
import type { mockPostHog, ReceivedEvent } from './posthog.js';
import { SSE_HEADERS, splitEvery } from './sse.js';
import { fileGuards } from './tracked.js';

// Shared by the test/streams-*.test.ts files: fake OpenAI SSE endpoints (nock and a local server
// that sends only when told to), a view on the SDK's own streams, and event collection.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds, at most `ms` milliseconds. */
export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(5);
  }
}

/** `promise`, or a rejection naming `what` after `ms` milliseconds. */
export function within<T>(promise: Promise<T>, what: string, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type PostHogMock = ReturnType<typeof mockPostHog>;

/**
 * The events PostHog received once `expected` arrived (or a bounded wait ran out), after a short
 * extra wait so that a late duplicate would show too.
 */
export async function eventsOf(ph: PostHogMock, expected = 1): Promise<ReceivedEvent[]> {
  const deadline = Date.now() + 1000;
  let events = await ph.received();
  while (events.length < expected && Date.now() < deadline) {
    await sleep(5);
    events = await ph.received();
  }
  await sleep(20);
  return [...(await ph.received())];
}

/** Every unhandled rejection of this test file's process (each file runs in its own fork). */
export function collectUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  process.on('unhandledRejection', (reason) => {
    unhandled.push(reason);
  });
  return unhandled;
}

/** Reads a stream to its end with `for await`. */
export async function readAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

export function isUsageOnly(chunk: unknown): boolean {
  const c = chunk as { choices?: unknown; usage?: unknown };
  return Array.isArray(c.choices) && c.choices.length === 0 && c.usage != null;
}

// ---------------------------------------------------------------------------------------------
// nock: an OpenAI endpoint answering SSE bodies, cut into pieces (mid-line)

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

// ---------------------------------------------------------------------------------------------
// The SDK's own streams, seen from beneath tracking

export interface SdkStreamView {
  /** The `Stream` the SDK made (the one tracking wraps). */
  stream: Stream<unknown>;
  controller: AbortController;
  /** Every item the SDK's iterator yielded, in order: what was pulled from the HTTP body. */
  yielded: unknown[];
  /** Errors the SDK's iterator threw. */
  thrown: unknown[];
}

/**
 * Spies on `Stream.fromSSEResponse` (the SDK builds every HTTP stream with it) so that a test can
 * see the SDK's own stream, its controller, and how many items were pulled from it: by the caller
 * through tracking, or by anything else.
 */
export function watchSdkStreams(): { streams: SdkStreamView[]; restore: () => void } {
  const streams: SdkStreamView[] = [];
  const original = Stream.fromSSEResponse.bind(Stream);
  const spy = vi.spyOn(Stream, 'fromSSEResponse').mockImplementation(((...args: Parameters<typeof Stream.fromSSEResponse>) => {
    const stream = original(...args);
    const view: SdkStreamView = { stream, controller: stream.controller, yielded: [], thrown: [] };
    streams.push(view);
    const makeIterator = (stream as unknown as { iterator: () => AsyncIterator<unknown> }).iterator;
    (stream as unknown as { iterator: () => AsyncIterator<unknown> }).iterator = () => {
      const inner = makeIterator();
      return {
        async next() {
          try {
            const step = await inner.next();
            if (!step.done) view.yielded.push(step.value);
            return step;
          } catch (error) {
            view.thrown.push(error);
            throw error;
          }
        },
        return: (value?: unknown) => inner.return!(value),
        throw: (error?: unknown) => inner.throw!(error),
        [Symbol.asyncIterator]() {
          return this;
        },
      } as AsyncIterator<unknown>;
    };
    return stream;
  }) as typeof Stream.fromSSEResponse);
  return { streams, restore: () => spy.mockRestore() };
}

// ---------------------------------------------------------------------------------------------
// A local 127.0.0.1 server that streams only what the test tells it to

export interface Connection {
  request: IncomingMessage;
  response: ServerResponse;
  /** The JSON body the SDK sent. */
  body: Record<string, any>;
  /** Writes raw SSE text now. */
  write(text: string): void;
  /** Ends the response normally. */
  end(): void;
  /** Destroys the socket: a network failure mid-body. */
  destroySocket(): void;
  /** Resolves when the client closed the connection before the response ended. */
  closedByClient: Promise<void>;
  closedEarly: boolean;
}

export interface SseServer {
  /** A `baseURL` for an OpenAI client. */
  baseURL: string;
  connections: Connection[];
  /** The next connection (or the `index`th) once it has arrived. */
  connection(index?: number): Promise<Connection>;
  close(): Promise<void>;
}

/**
 * Answers every request at once with 200 and SSE headers (so `create()` resolves), then sends only
 * what the test writes. `onConnection` may script a connection right away.
 */
export async function sseServer(onConnection?: (connection: Connection) => void): Promise<SseServer> {
  const connections: Connection[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      let resolveClosed!: () => void;
      const closedByClient = new Promise<void>((resolve) => {
        resolveClosed = resolve;
      });
      const connection: Connection = {
        request,
        response,
        body: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}'),
        write: (text) => {
          if (!response.destroyed) response.write(text);
        },
        end: () => response.end(),
        destroySocket: () => response.socket?.destroy(),
        closedByClient,
        closedEarly: false,
      };
      response.on('close', () => {
        if (!response.writableFinished) {
          connection.closedEarly = true;
          resolveClosed();
        }
      });
      response.writeHead(200, SSE_HEADERS);
      response.flushHeaders();
      connections.push(connection);
      waiters.splice(0).forEach((wake) => wake());
      onConnection?.(connection);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    connections,
    async connection(index = connections.length) {
      while (connections.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
      return connections[index];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Fixtures beyond test/helpers/sse.ts

const CHUNK_BASE = { id: 'chatcmpl-m1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp' };

/**
 * A chat stream with `n: 3`: choice 0 answers text, choice 1 refuses, choice 2 calls two tools whose
 * arguments arrive in fragments. Usage at the end when asked for.
 */
export function multiChoiceChunks({ withUsage = true } = {}) {
  const usageField = withUsage ? { usage: null } : {};
  const chunk = (choices: unknown[]) => ({ ...CHUNK_BASE, ...usageField, choices });
  const chunks: Record<string, unknown>[] = [
    chunk([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: null, refusal: '' }, finish_reason: null },
      { index: 2, delta: { role: 'assistant', content: null }, finish_reason: null },
    ]),
    chunk([{ index: 0, delta: { content: 'Sunny' }, finish_reason: null }]),
    chunk([{ index: 1, delta: { refusal: "I can't" }, finish_reason: null }]),
    chunk([
      {
        index: 2,
        delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        finish_reason: null,
      },
    ]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: ' in Paris' }, finish_reason: null }]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Pa' } }] }, finish_reason: null }]),
    chunk([{ index: 1, delta: { refusal: ' help with that.' }, finish_reason: null }]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, finish_reason: null }]),
    chunk([
      {
        index: 2,
        delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }] },
        finish_reason: null,
      },
    ]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }, finish_reason: null }]),
    chunk([
      { index: 0, delta: {}, finish_reason: 'stop' },
      { index: 1, delta: {}, finish_reason: 'stop' },
      { index: 2, delta: {}, finish_reason: 'tool_calls' },
    ]),
  ];
  if (withUsage) {
    chunks.push({
      ...CHUNK_BASE,
      choices: [],
      usage: {
        prompt_tokens: 40,
        completion_tokens: 30,
        total_tokens: 70,
        prompt_tokens_details: { cached_tokens: 16 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  }
  return chunks;
}

/** The output choices PostHog should receive for `multiChoiceChunks()`. */
export const MULTI_CHOICE_OUTPUT = [
  { role: 'assistant', content: 'Sunny in Paris' },
  { role: 'assistant', content: null, refusal: "I can't help with that." },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
    ],
  },
];

/** Legacy completion chunks (`n: 2`): " world" and " there", usage at the end when asked for. */
export function legacyChunks({ withUsage = true } = {}) {
  const base = { id: 'cmpl-s1', object: 'text_completion', created: 1_700_000_000, model: 'gpt-3.5-turbo-instruct' };
  const usageField = withUsage ? { usage: null } : {};
  const choice = (index: number, text: string, finish_reason: string | null = null) => ({ text, index, logprobs: null, finish_reason });
  const chunks: Record<string, unknown>[] = [
    { ...base, ...usageField, choices: [choice(0, ' wor')] },
    { ...base, ...usageField, choices: [choice(1, ' the')] },
    { ...base, ...usageField, choices: [choice(0, 'ld')] },
    { ...base, ...usageField, choices: [choice(1, 're')] },
    { ...base, ...usageField, choices: [choice(0, '', 'length'), choice(1, '', 'stop')] },
  ];
  if (withUsage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  return chunks;
}

const RESPONSE_BASE = {
  id: 'resp_s1',
  object: 'response',
  created_at: 1_700_000_000,
  model: 'gpt-4.1-2025-04-14',
  instructions: null,
  incomplete_details: null,
  error: null,
  service_tier: 'default',
};

export const RESPONSES_USAGE = {
  input_tokens: 20,
  input_tokens_details: { cached_tokens: 10 },
  output_tokens: 7,
  output_tokens_details: { reasoning_tokens: 3 },
  total_tokens: 27,
};

/**
 * Responses API events for the text "Hi there!", ending with `ending`: `response.completed` (with
 * usage), `response.incomplete` (max_output_tokens), `response.failed`, an `error` event after the
 * deltas, or nothing (cut off).
 */
export function responsesEvents(ending: 'completed' | 'incomplete' | 'failed' | 'error' | 'none' = 'completed') {
  let sequence = 0;
  const ev = (type: string, fields: Record<string, unknown>) => ({ type, sequence_number: sequence++, ...fields });
  const inProgress = { ...RESPONSE_BASE, status: 'in_progress', output: [], usage: null };
  const message = {
    type: 'message',
    id: 'msg_1',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: 'Hi there!', annotations: [] }],
  };
  const deltas = ['Hi', ' there', '!'];
  const events: Record<string, unknown>[] = [
    ev('response.created', { response: inProgress }),
    ev('response.in_progress', { response: inProgress }),
    ev('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } }),
    ev('response.content_part.added', {
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...deltas.map((delta) => ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] })),
  ];
  if (ending === 'error') {
    events.push(ev('error', { code: 'server_error', message: 'The server had an error while processing your request.', param: null }));
    return events;
  }
  if (ending === 'none') return events;
  events.push(
    ev('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hi there!', logprobs: [] }),
    ev('response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part: message.content[0] }),
    ev('response.output_item.done', { output_index: 0, item: message }),
  );
  if (ending === 'completed') {
    events.push(ev('response.completed', { response: { ...RESPONSE_BASE, status: 'completed', output: [message], usage: RESPONSES_USAGE } }));
  } else if (ending === 'incomplete') {
    events.push(
      ev('response.incomplete', {
        response: {
          ...RESPONSE_BASE,
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [{ ...message, status: 'incomplete' }],
          usage: RESPONSES_USAGE,
        },
      }),
    );
  } else {
    events.push(
      ev('response.failed', {
        response: {
          ...RESPONSE_BASE,
          status: 'failed',
          error: { code: 'server_error', message: 'The model failed to generate a response.' },
          output: [],
          usage: null,
        },
      }),
    );
  }
  return events;
}

/** A chat stream of `count` one-word chunks, built as one string without quadratic concatenation. */
export function longChatBody(count: number, { withUsage = true } = {}): { body: string; text: string } {
  const words: string[] = [];
  const lines: string[] = [];
  const head = `{"id":"chatcmpl-long","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18"${withUsage ? ',"usage":null' : ''},"choices":[{"index":0,"delta":`;
  lines.push(`data: ${head}{"role":"assistant","content":""},"finish_reason":null}]}\n\n`);
  for (let i = 0; i < count; i++) {
    const word = `w${i % 100} `;
    words.push(word);
    lines.push(`data: ${head}{"content":"${word}"},"finish_reason":null}]}\n\n`);
  }
  lines.push(`data: ${head}{},"finish_reason":"stop"}]}\n\n`);
  if (withUsage) {
    lines.push(
      `data: {"id":"chatcmpl-long","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":${count},"total_tokens":${count + 5}}}\n\n`,
    );
  }
  lines.push('data: [DONE]\n\n');
  return { body: lines.join(''), text: words.join('') };
}

/** `fileGuards()` of the stream test files, and after each test every server in `servers` closed. */
export function streamFileGuards(): { posthogs: ReturnType<typeof mockPostHog>[]; servers: SseServer[] } {
  const { posthogs } = fileGuards();
  const servers: SseServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return { posthogs, servers };
}
