import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SSE_HEADERS } from './sse.js';
import { closer, listen, readBody } from './servers.js';

// The OpenAI stand-in on 127.0.0.1 (real sockets, no nock): each request is answered by the test's
// `handle` (`echoChat`, a fault, or nothing at all: a server that never answers), or, with
// `sseServer()`, streamed only as far as the test writes. Nothing here loads nock.

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
  return { baseURL: `http://127.0.0.1:${port}/v1`, requests, closeIdle: () => server.closeIdleConnections(), close: closer(server) };
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

/** The embeddings answer for a request: one small vector per input. */
export function embeddingsFor(body: Record<string, any>) {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    object: 'list',
    data: inputs.map((_: unknown, index: number) => ({ object: 'embedding', index, embedding: [0.1, 0.2, 0.3] })),
    model: body.model,
    usage: { prompt_tokens: 8, total_tokens: 8 },
  };
}

/** Answers chat completions (streamed or not) with `echo: <last message>`. */
export function echoChat({ response, body }: OpenAIRequest): void {
  const content = `echo: ${promptOf(body)}`;
  if (body.stream === true) sendSse(response, chatChunksFor(content, body.stream_options?.include_usage === true, body.model));
  else sendJson(response, 200, chatCompletionFor(content, body.model));
}

// ---------------------------------------------------------------------------------------------
// A stream that sends only what the test tells it to

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
 * The local OpenAI answering every request at once with 200 and SSE headers (so `create()`
 * resolves), then sending only what the test writes. `onConnection` may script a connection right away.
 */
export async function sseServer(onConnection?: (connection: Connection) => void): Promise<SseServer> {
  const connections: Connection[] = [];
  const waiters: (() => void)[] = [];
  const server = await localOpenAI(({ request, response, body }) => {
    let resolveClosed!: () => void;
    const closedByClient = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    const connection: Connection = {
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
      while (connections.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
      return connections[index]!;
    },
    close: server.close,
  };
}
