import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PostHog } from 'posthog-node';
import type { ReceivedEvent } from './posthog.js';
import { closer, listen, readBody } from './servers.js';

// The PostHog stand-ins without nock: a capture endpoint on 127.0.0.1 that can misbehave on
// purpose (for a real posthog-node client, `newPostHog()`), and an in-memory PostHog-like object
// that keeps what it is given. Nothing here loads nock.

/** How the local PostHog answers, read again for each request (a test may change it midway). */
export interface PostHogBehaviour {
  /** The status of every answer (default 200). */
  status?: number;
  /** Answers after this long. */
  delayMs?: number;
  /** Reads the request, never answers. */
  hang?: boolean;
  /** Drops the connection as soon as a request arrives. */
  reset?: boolean;
  /** The answer's body instead of PostHog's (`{"status":1}`, or an error for a status >= 300). */
  body?: string;
  /** Headers of the answer, over `content-type: application/json`. */
  headers?: Record<string, string>;
}

export interface LocalPostHog {
  host: string;
  /** Events in requests that were answered 2xx, in order. */
  events: ReceivedEvent[];
  /**
   * The events posted under `source`: `http://127.0.0.1:PORT/<source>/batch/` (a host with a path,
   * as posthog-node and checkPostHog keep it); `''` for the host itself.
   */
  eventsAt(source: string): ReceivedEvent[];
  /** Every request that arrived, answered or not. */
  requests: number;
  /** Every request that was answered (with whatever status). */
  answered: number;
  /** Connections open now, and the most that were open at once. */
  connections: { open: number; maxOpen: number };
  behaviour: PostHogBehaviour;
  close(): Promise<void>;
}

/** The path before PostHog's endpoint (`/batch/`, `/i/v0/e/`, `/capture/`, `/i/v0/ai/batch/`): the event's source. */
function sourceOf(url: string | undefined): string {
  const path = new URL(url ?? '/', 'http://localhost').pathname;
  const match = /^(?:\/(.+?))?\/(?:batch|i\/v0\/e|i\/v0\/ai\/batch|capture)\/?$/.exec(path);
  return match ? (match[1] ?? '') : path;
}

/** A PostHog capture endpoint on 127.0.0.1 (any path; gzip or not) that answers as `behaviour` says. */
export async function localPostHog(behaviour: PostHogBehaviour = {}): Promise<LocalPostHog> {
  const timers = new Set<NodeJS.Timeout>();
  const arrivals: { source: string; event: ReceivedEvent }[] = [];
  const state: LocalPostHog = {
    host: '',
    events: [],
    eventsAt: (source) => arrivals.filter((arrival) => arrival.source === source).map((arrival) => arrival.event),
    requests: 0,
    answered: 0,
    connections: { open: 0, maxOpen: 0 },
    behaviour,
    close: async () => {},
  };
  const server = createServer(async (request, response) => {
    response.sendDate = false;
    state.requests++;
    if (state.behaviour.reset) {
      request.socket.destroy();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(request);
    } catch {
      return;
    }
    const { status = 200, delayMs = 0, hang = false, body, headers = {} } = state.behaviour;
    if (hang) return;
    const answer = () => {
      if (response.destroyed) return;
      if (status >= 200 && status < 300) {
        try {
          const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
          const parsed = JSON.parse(text) as { batch?: ReceivedEvent[] } | ReceivedEvent;
          const received = 'batch' in parsed && Array.isArray(parsed.batch) ? parsed.batch : [parsed as ReceivedEvent];
          const source = sourceOf(request.url);
          for (const event of received) {
            state.events.push(event);
            arrivals.push({ source, event });
          }
        } catch {
          // not an event body: ignored
        }
      }
      state.answered++;
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(body ?? (status < 300 ? '{"status":1}' : `{"error":"status ${status}"}`));
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
  server.on('connection', (socket: Socket) => {
    state.connections.maxOpen = Math.max(state.connections.maxOpen, ++state.connections.open);
    socket.on('close', () => state.connections.open--);
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
  return new PostHog('phc_faults_project_key', {
    host,
    flushAt: 1000,
    flushInterval: 0,
    fetchRetryCount: 0,
    disableCompression: true,
    requestTimeout: 3000,
    ...options,
  });
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
