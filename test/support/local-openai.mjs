// @ts-check
import { createServer } from 'node:http';
import { readBody, serve } from './servers.mjs';

// The OpenAI stand-in on 127.0.0.1 (real sockets, no nock): each request is answered by its
// `handle` (in the tests `echoChat`, a fault, or nothing at all: a server that never answers; the
// demo's realistic answers in scripts/demo/local-services.mjs; the bench's in
// scripts/bench/server.mjs), or, with `sseServer()`, streamed only as far as the test writes.
// Plain JavaScript for plain `node`. Nothing here loads nock.

/** Headers of a streamed answer. */
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream_1' };

/**
 * @typedef {object} OpenAIRequest
 * @property {import('node:http').IncomingMessage} request
 * @property {import('node:http').ServerResponse} response
 * @property {Record<string, any>} body The parsed JSON body (or `{}`).
 * @property {boolean} invalidJson Whether the body was not JSON (`body` is then `{}`).
 * @property {Buffer} raw The body as received (a multipart upload's, for one).
 * @property {number} index 1 for the first request of this server, 2 for the next, ...
 */

/**
 * @typedef {object} LocalOpenAI
 * @property {string} baseURL `http://127.0.0.1:PORT/v1`
 * @property {OpenAIRequest[]} requests Every request, in order (none kept with `keep: false`).
 * @property {() => void} closeIdle Closes the keep-alive connections that are idle (the client's pool lets go of them).
 * @property {() => Promise<void>} close
 * @property {() => void} unref Lets the process end while the server listens.
 */

/**
 * An OpenAI stand-in on 127.0.0.1 whose answers `handle` writes. With `keep: false`, requests are
 * counted but not kept (a load test's memory measurement must not see them).
 *
 * @param {(request: OpenAIRequest) => void | Promise<void>} handle
 * @param {{ keep?: boolean; keepAliveMs?: number }} [options]
 * @returns {Promise<LocalOpenAI>}
 */
export async function localOpenAI(handle, { keep = true, keepAliveMs } = {}) {
  /** @type {OpenAIRequest[]} */
  const requests = [];
  let count = 0;
  const server = createServer(async (request, response) => {
    // No Date header: two answers compared for equality must not differ by the second they were sent in.
    response.sendDate = false;
    /** @type {Buffer} */
    let raw;
    try {
      raw = await readBody(request);
    } catch {
      return;
    }
    /** @type {Record<string, any>} */
    let body = {};
    let invalidJson = false;
    try {
      body = JSON.parse(raw.toString('utf8') || '{}');
    } catch {
      invalidJson = true;
    }
    /** @type {OpenAIRequest} */
    const entry = { request, response, body, invalidJson, raw, index: ++count };
    if (keep) requests.push(entry);
    try {
      await handle(entry);
    } catch {
      response.destroy();
    }
  });
  const { port, close, closeIdle, unref } = await serve(server, { keepAliveMs });
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests, closeIdle, close, unref };
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {unknown} body JSON, or a string sent as it is
 * @param {Record<string, string>} [headers]
 */
export function sendJson(response, status, body, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_local_${status}`, ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {unknown[]} events
 * @param {{ done?: boolean }} [options]
 */
export function sendSse(response, events, { done = true } = {}) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_local_stream' });
  for (const event of events) response.write(`data: ${JSON.stringify(event)}\n\n`);
  if (done) response.write('data: [DONE]\n\n');
  response.end();
}

/**
 * The text a request asks the echo server to repeat: the last message's content, the prompt, or the input.
 *
 * @param {Record<string, any>} body
 * @returns {string}
 */
export function promptOf(body) {
  if (Array.isArray(body.messages)) {
    const last = body.messages[body.messages.length - 1];
    return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? null);
  }
  if (typeof body.prompt === 'string') return body.prompt;
  if (typeof body.input === 'string') return body.input;
  return '';
}

/**
 * @param {string} content
 * @param {string} [model]
 */
export function chatCompletionFor(content, model = 'gpt-4o-mini-2024-07-18') {
  return {
    id: 'chatcmpl-local',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
  };
}

/**
 * Chat chunks that spell `content` in three pieces, with a usage chunk when the request asks for it.
 *
 * @param {string} content
 * @param {boolean} withUsage
 * @param {string} [model]
 */
export function chatChunksFor(content, withUsage, model = 'gpt-4o-mini-2024-07-18') {
  const base = { id: 'chatcmpl-local-s', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const usageField = withUsage ? { usage: null } : {};
  const third = Math.ceil(content.length / 3);
  const pieces = [content.slice(0, third), content.slice(third, 2 * third), content.slice(2 * third)];
  /** @type {Record<string, unknown>[]} */
  const chunks = [
    { ...base, ...usageField, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((piece) => ({ ...base, ...usageField, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })),
    { ...base, ...usageField, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
  if (withUsage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
  return chunks;
}

/**
 * The embeddings answer for a request: one small vector per input.
 *
 * @param {Record<string, any>} body
 */
export function embeddingsFor(body) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    object: 'list',
    data: inputs.map((/** @type {unknown} */ _, /** @type {number} */ index) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
    model: body.model,
    usage: { prompt_tokens: 8, total_tokens: 8 },
  };
}

/**
 * Answers chat completions (streamed or not) with `echo: <last message>`.
 *
 * @param {OpenAIRequest} request
 */
export function echoChat({ response, body }) {
  const content = `echo: ${promptOf(body)}`;
  if (body.stream === true) sendSse(response, chatChunksFor(content, body.stream_options?.include_usage === true, body.model));
  else sendJson(response, 200, chatCompletionFor(content, body.model));
}

// ---------------------------------------------------------------------------------------------
// A stream that sends only what the test tells it to

/**
 * @typedef {object} Connection
 * @property {import('node:http').IncomingMessage} request
 * @property {import('node:http').ServerResponse} response
 * @property {Record<string, any>} body The JSON body the SDK sent.
 * @property {(text: string) => void} write Writes raw SSE text now.
 * @property {() => void} end Ends the response normally.
 * @property {() => void} destroySocket Destroys the socket: a network failure mid-body.
 * @property {Promise<void>} closedByClient Resolves when the client closed the connection before the response ended.
 * @property {boolean} closedEarly
 */

/**
 * @typedef {object} SseServer
 * @property {string} baseURL A `baseURL` for an OpenAI client.
 * @property {Connection[]} connections
 * @property {(index?: number) => Promise<Connection>} connection The next connection (or the `index`th) once it has arrived.
 * @property {() => Promise<void>} close
 */

/**
 * The local OpenAI answering every request at once with 200 and SSE headers (so `create()`
 * resolves), then sending only what the test writes. `onConnection` may script a connection right away.
 *
 * @param {(connection: Connection) => void} [onConnection]
 * @returns {Promise<SseServer>}
 */
export async function sseServer(onConnection) {
  /** @type {Connection[]} */
  const connections = [];
  /** @type {(() => void)[]} */
  const waiters = [];
  const server = await localOpenAI(({ request, response, body }) => {
    /** @type {() => void} */
    let resolveClosed = () => {};
    /** @type {Promise<void>} */
    const closedByClient = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    /** @type {Connection} */
    const connection = {
      request,
      response,
      body,
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
  return {
    baseURL: server.baseURL,
    connections,
    async connection(index = connections.length) {
      while (connections.length <= index) await new Promise((resolve) => waiters.push(() => resolve(undefined)));
      return connections[index];
    },
    close: server.close,
  };
}
