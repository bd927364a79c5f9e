import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PostHog } from 'posthog-node';
import { expect } from 'vitest';
import type { ReceivedEvent } from './posthog.js';

// Shared by the test/faults-*.test.ts files: local 127.0.0.1 stand-ins for PostHog and OpenAI that
// can misbehave on purpose, and the checks that the reliability suite repeats (event shape,
// latency medians, open handles, unhandled rejections).

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  // A backlog large enough for the load test's burst of connections.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 2048, resolve));
  return (server.address() as AddressInfo).port;
}

function closer(server: Server, timers: Set<NodeJS.Timeout>): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closed;
  };
}

// ---------------------------------------------------------------------------------------------
// PostHog

/** How the local PostHog answers `/batch/`: a status (after `delayMs`), or never. */
export interface PostHogBehaviour {
  status?: number;
  delayMs?: number;
  hang?: boolean;
}

export interface LocalPostHog {
  host: string;
  /** Events in requests that were answered 2xx. */
  events: ReceivedEvent[];
  /** Every request that arrived, answered or not. */
  requests: number;
  /** Every request that was answered (with whatever status). */
  answered: number;
  behaviour: PostHogBehaviour;
  close(): Promise<void>;
}

/** A PostHog stand-in on 127.0.0.1 (`/batch/`, `/i/v0/ai/batch/`, `/i/v0/e/`), gzip or not. */
export async function localPostHog(behaviour: PostHogBehaviour = {}): Promise<LocalPostHog> {
  const timers = new Set<NodeJS.Timeout>();
  const state: LocalPostHog = {
    host: '',
    events: [],
    requests: 0,
    answered: 0,
    behaviour,
    close: async () => {},
  };
  const server = createServer(async (request, response) => {
    response.sendDate = false;
    state.requests++;
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch {
      return;
    }
    const { status = 200, delayMs = 0, hang = false } = state.behaviour;
    if (hang) return;
    const answer = () => {
      if (response.destroyed) return;
      if (status >= 200 && status < 300) {
        try {
          const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
          const parsed = JSON.parse(text) as { batch?: ReceivedEvent[] } | ReceivedEvent;
          if ('batch' in parsed && Array.isArray(parsed.batch)) state.events.push(...parsed.batch);
          else state.events.push(parsed as ReceivedEvent);
        } catch {
          // not an event body: ignored
        }
      }
      state.answered++;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status < 300 ? '{"status":1}' : `{"error":"status ${status}"}`);
    };
    if (delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delayMs);
      timers.add(timer);
    } else {
      answer();
    }
  });
  const port = await listen(server);
  state.host = `http://127.0.0.1:${port}`;
  state.close = closer(server, timers);
  return state;
}

/**
 * A real posthog-node client for tests: no compression, no retries (a dead host would otherwise
 * keep `shutdown()` busy for seconds), and flushing only when told to unless `flushAt` is given.
 */
export function newPostHog(host: string, options: Record<string, unknown> = {}): PostHog {
  const posthog = new PostHog('phc_faults_project_key', {
    host,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
    disableCompression: true,
    requestTimeout: 3000,
    ...options,
  });
  return posthog;
}

/** A PostHog-like object that keeps every message it is given, as given (NaN and all). */
export function recordingPostHog() {
  const messages: { event: string; distinctId: string; properties: Record<string, any>; groups?: unknown }[] = [];
  return {
    messages,
    posthog: {
      capture(message: { event: string; distinctId: string; properties?: Record<string, unknown>; groups?: unknown }) {
        messages.push(message as (typeof messages)[number]);
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// OpenAI

export interface OpenAIRequest {
  request: IncomingMessage;
  response: ServerResponse;
  /** The parsed JSON body (or `{}`). */
  body: Record<string, any>;
  /** 1 for the first request of this server, 2 for the next, ... */
  index: number;
}

export interface LocalOpenAI {
  baseURL: string;
  requests: OpenAIRequest[];
  /** Closes the keep-alive connections that are idle (the client's pool lets go of them). */
  closeIdle(): void;
  close(): Promise<void>;
}

/**
 * An OpenAI stand-in on 127.0.0.1 whose answers `handle` writes. With `keep: false`, requests are
 * counted but not kept (a load test's memory measurement must not see them).
 */
export async function localOpenAI(
  handle: (request: OpenAIRequest) => void | Promise<void>,
  { keep = true }: { keep?: boolean } = {},
): Promise<LocalOpenAI> {
  const timers = new Set<NodeJS.Timeout>();
  const requests: OpenAIRequest[] = [];
  let count = 0;
  const server = createServer(async (request, response) => {
    // No Date header: two answers compared for equality must not differ by the second they were sent in.
    response.sendDate = false;
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch {
      return;
    }
    let body: Record<string, any> = {};
    try {
      body = JSON.parse(raw.toString('utf8') || '{}');
    } catch {
      body = {};
    }
    const entry: OpenAIRequest = { request, response, body, index: ++count };
    if (keep) requests.push(entry);
    try {
      await handle(entry);
    } catch {
      response.destroy();
    }
  });
  const port = await listen(server);
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests, closeIdle: () => server.closeIdleConnections(), close: closer(server, timers) };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_local_${status}`, ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

export function sendSse(response: ServerResponse, events: unknown[], { done = true } = {}): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_local_stream' });
  for (const event of events) response.write(`data: ${JSON.stringify(event)}\n\n`);
  if (done) response.write('data: [DONE]\n\n');
  response.end();
}

/** The text a request asks the echo server to repeat: the last message's content, the prompt, or the input. */
export function promptOf(body: Record<string, any>): string {
  if (Array.isArray(body.messages)) {
    const last = body.messages[body.messages.length - 1];
    return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? null);
  }
  if (typeof body.prompt === 'string') return body.prompt;
  if (typeof body.input === 'string') return body.input;
  return '';
}

export function chatCompletionFor(content: string, model = 'gpt-4o-mini-2024-07-18') {
  return {
    id: 'chatcmpl-local',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  };
}

/** Chat chunks that spell `content` in three pieces, with a usage chunk when the request asks for it. */
export function chatChunksFor(content: string, withUsage: boolean, model = 'gpt-4o-mini-2024-07-18') {
  const base = { id: 'chatcmpl-local-s', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const usageField = withUsage ? { usage: null } : {};
  const third = Math.ceil(content.length / 3);
  const pieces = [content.slice(0, third), content.slice(third, 2 * third), content.slice(2 * third)];
  const chunks: Record<string, unknown>[] = [
    { ...base, ...usageField, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, ...usageField, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })),
    { ...base, ...usageField, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
  if (withUsage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
  return chunks;
}

/** Answers chat completions (streamed or not) with `echo: <last message>`. */
export function echoChat({ response, body }: OpenAIRequest): void {
  const content = `echo: ${promptOf(body)}`;
  if (body.stream === true) sendSse(response, chatChunksFor(content, body.stream_options?.include_usage === true, body.model));
  else sendJson(response, 200, chatCompletionFor(content, body.model));
}

// ---------------------------------------------------------------------------------------------
// Checks

/** What a caller can observe of a result: its JSON and its `_request_id`. */
export function observableResult(value: any) {
  return { json: JSON.parse(JSON.stringify(value ?? null)), requestId: value?._request_id };
}

/** Everything a caller can read off an SDK error. */
export function observableError(error: any) {
  return {
    class: error?.constructor,
    name: error?.name,
    message: error?.message,
    status: error?.status,
    headers: error?.headers ? Object.fromEntries(error.headers) : error?.headers,
    requestID: error?.requestID,
    error: error?.error,
    code: error?.code,
    param: error?.param,
    type: error?.type,
    cause: error?.cause ? { class: error.cause.constructor, message: error.cause.message } : undefined,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds `run` takes. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Every unhandled rejection and uncaught exception of this file's process (each file runs in its own fork). */
export function watchProcess(): { unhandled: unknown[]; uncaught: unknown[]; stop(): void } {
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  const onException = (error: unknown) => uncaught.push(error);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    unhandled,
    uncaught,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** The kinds of resources keeping the event loop alive, counted by kind. */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** The kinds whose count is above the baseline's, after waiting (bounded) for them to go. */
export async function resourcesAbove(baseline: Record<string, number>, waitMs = 2000): Promise<Record<string, number>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = activeResources();
    const above: Record<string, number> = {};
    for (const [kind, count] of Object.entries(now)) {
      const allowed = baseline[kind] ?? 0;
      if (count > allowed) above[kind] = count - allowed;
    }
    if (Object.keys(above).length === 0 || Date.now() > deadline) return above;
    await sleep(20);
  }
}

/** The paths of every number in `value` that is not finite (NaN, Infinity). */
export function nonFiniteNumbers(value: unknown, path = '$', seen = new Set<unknown>()): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) found.push(...nonFiniteNumbers(child, `${path}.${key}`, seen));
  return found;
}

const COUNT_PROPERTIES = [
  '$ai_input_tokens',
  '$ai_output_tokens',
  '$ai_cache_read_input_tokens',
  '$ai_cache_creation_input_tokens',
  '$ai_reasoning_tokens',
];

/** The shape every event must have, whatever the call looked like. */
export function expectWellFormedEvent(message: { event: string; distinctId?: string; distinct_id?: string; properties: Record<string, any> }): void {
  expect(['$ai_generation', '$ai_embedding']).toContain(message.event);
  const distinctId = message.distinctId ?? message.distinct_id;
  expect(typeof distinctId).toBe('string');
  expect((distinctId as string).length).toBeGreaterThan(0);
  const properties = message.properties;
  expect(properties).toBeTypeOf('object');
  expect(nonFiniteNumbers(properties)).toEqual([]);
  expect(() => JSON.stringify(properties)).not.toThrow();
  expect(typeof properties.$ai_latency).toBe('number');
  expect(properties.$ai_latency).toBeGreaterThanOrEqual(0);
  expect(typeof properties.$ai_is_error).toBe('boolean');
  expect(typeof properties.$ai_trace_id).toBe('string');
  expect(properties.$ai_lib).toBe('tracked-openai');
  if (properties.$ai_is_error) expect(typeof properties.$ai_error).toBe('string');
  if ('$ai_http_status' in properties) expect(Number.isInteger(properties.$ai_http_status)).toBe(true);
  for (const name of COUNT_PROPERTIES) {
    if (name in properties) {
      expect(Number.isInteger(properties[name]), name).toBe(true);
      expect(properties[name], name).toBeGreaterThanOrEqual(0);
    }
  }
  for (const name of ['$ai_input_cost_usd', '$ai_output_cost_usd', '$ai_total_cost_usd']) {
    if (name in properties) {
      expect(typeof properties[name], name).toBe('number');
      expect(properties[name], name).toBeGreaterThanOrEqual(0);
    }
  }
  if ('$ai_time_to_first_token' in properties) expect(properties.$ai_time_to_first_token).toBeGreaterThanOrEqual(0);
}

// ---------------------------------------------------------------------------------------------
// The SDK's own errors, seen from beneath tracking

/**
 * A plain SDK client whose chat `create()` is observed before tracking wraps it: `requestErrors`
 * holds what the SDK's own request rejected with, so that a test can check the caller got that very
 * object. Reading the request promise (`asResponse()`) parses nothing.
 */
export function observedSdkClient<C extends { chat: { completions: object } }>(client: C): { client: C; requestErrors: unknown[] } {
  const requestErrors: unknown[] = [];
  const completions = client.chat.completions as { create: (...args: unknown[]) => any };
  const sdkCreate = completions.create;
  completions.create = function create(this: unknown, ...args: unknown[]) {
    const promise = sdkCreate.apply(this, args);
    promise.asResponse().then(undefined, (error: unknown) => requestErrors.push(error));
    return promise;
  };
  return { client, requestErrors };
}

/** Errors the SDK's stream iterators threw (a network failure mid-stream), recorded beneath tracking. */
export async function watchSdkStreamErrors(): Promise<{ thrown: unknown[]; restore(): void }> {
  const { Stream } = await import('openai/streaming');
  const { vi } = await import('vitest');
  const thrown: unknown[] = [];
  const original = Stream.fromSSEResponse.bind(Stream);
  const spy = vi.spyOn(Stream, 'fromSSEResponse').mockImplementation(((...args: Parameters<typeof Stream.fromSSEResponse>) => {
    const stream = original(...args) as unknown as { iterator: () => AsyncIterator<unknown> };
    const makeIterator = stream.iterator;
    stream.iterator = () => {
      const inner = makeIterator();
      return {
        async next() {
          try {
            return await inner.next();
          } catch (error) {
            thrown.push(error);
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
    return stream as never;
  }) as typeof Stream.fromSSEResponse);
  return { thrown, restore: () => spy.mockRestore() };
}
