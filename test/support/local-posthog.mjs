// @ts-check
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { readBody, serve } from './servers.mjs';

// The PostHog stand-in without nock: a capture endpoint on 127.0.0.1 that can misbehave on purpose
// (for a real posthog-node client on it, `newPostHog()` in posthog-client.ts), used by the tests,
// the demo (scripts/demo/local-services.mjs) and the bench (scripts/bench/server.mjs); and an
// in-memory PostHog-like object that keeps what it is given. Plain JavaScript for plain `node`.
// Neither nock nor posthog-node is loaded here.

/** @typedef {import('./posthog.js').ReceivedEvent} ReceivedEvent */

/**
 * How the local PostHog answers, read again for each request (a test may change it midway).
 *
 * @typedef {object} PostHogBehaviour
 * @property {number} [status] The status of every answer (default 200).
 * @property {number} [delayMs] Answers after this long.
 * @property {boolean} [hang] Reads the request, never answers.
 * @property {boolean} [reset] Drops the connection as soon as a request arrives.
 * @property {string} [body] The answer's body instead of PostHog's (`{"status":1}`, or an error for a status >= 300).
 * @property {Record<string, string>} [headers] Headers of the answer, over `content-type: application/json`.
 */

/**
 * @typedef {object} LocalPostHog
 * @property {string} host
 * @property {ReceivedEvent[]} events Events in requests that were answered 2xx, in order (none kept with `keep: false`).
 * @property {{ source: string; event: ReceivedEvent }[]} arrivals The same events, each with the source it was posted under.
 * @property {(source: string) => ReceivedEvent[]} eventsAt
 *   The events posted under `source`: `http://127.0.0.1:PORT/<source>/batch/` (a host with a path,
 *   as posthog-node and checkPostHog keep it); `''` for the host itself.
 * @property {number} eventCount Events in requests answered 2xx, kept or not.
 * @property {number} unreadable Requests answered 2xx whose body held no events (not JSON, or a `batch` that is no list).
 * @property {number} requests Every request that arrived, answered or not.
 * @property {number} answered Every request that was answered (with whatever status).
 * @property {{ open: number; maxOpen: number }} connections Connections open now, and the most that were open at once.
 * @property {PostHogBehaviour} behaviour
 * @property {() => Promise<void>} close
 * @property {() => void} unref Lets the process end while the endpoint listens.
 */

/**
 * The path before PostHog's endpoint (`/batch/`, `/i/v0/e/`, `/capture/`, `/i/v0/ai/batch/`): the event's source.
 *
 * @param {string | undefined} url
 */
function sourceOf(url) {
  const path = new URL(url ?? '/', 'http://localhost').pathname;
  const match = /^(?:\/(.+?))?\/(?:batch|i\/v0\/e|i\/v0\/ai\/batch|capture)\/?$/.exec(path);
  return match ? (match[1] ?? '') : path;
}

/**
 * The events of a request's body (gzip or not): a batch, or one event; undefined when it holds none.
 *
 * @param {Buffer} raw
 * @param {boolean} gzip
 * @returns {ReceivedEvent[] | undefined}
 */
function eventsIn(raw, gzip) {
  try {
    const parsed = JSON.parse((gzip ? gunzipSync(raw) : raw).toString('utf8'));
    if (parsed === null || typeof parsed !== 'object') return undefined;
    if (!('batch' in parsed)) return [parsed];
    return Array.isArray(parsed.batch) ? parsed.batch : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A PostHog capture endpoint on 127.0.0.1 (any path; gzip or not) that answers as `behaviour` says.
 * With `keep: false`, events are counted but not kept (a load test's memory must not see them).
 *
 * @param {PostHogBehaviour} [behaviour]
 * @param {{ keep?: boolean; keepAliveMs?: number }} [options]
 * @returns {Promise<LocalPostHog>}
 */
export async function localPostHog(behaviour = {}, { keep = true, keepAliveMs } = {}) {
  /** @type {Set<NodeJS.Timeout>} */
  const timers = new Set();
  /** @type {LocalPostHog} */
  const state = {
    host: '',
    events: [],
    arrivals: [],
    eventsAt: (source) => state.arrivals.filter((arrival) => arrival.source === source).map((arrival) => arrival.event),
    eventCount: 0,
    unreadable: 0,
    requests: 0,
    answered: 0,
    connections: { open: 0, maxOpen: 0 },
    behaviour,
    close: async () => {},
    unref: () => {},
  };
  const server = createServer(async (request, response) => {
    response.sendDate = false;
    state.requests++;
    if (state.behaviour.reset) {
      request.socket.destroy();
      return;
    }
    /** @type {Buffer} */
    let raw;
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
        const received = eventsIn(raw, request.headers['content-encoding'] === 'gzip');
        if (received === undefined) state.unreadable++;
        else state.eventCount += received.length;
        if (received !== undefined && keep) {
          const source = sourceOf(request.url);
          for (const event of received) {
            state.events.push(event);
            state.arrivals.push({ source, event });
          }
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
  server.on('connection', (socket) => {
    state.connections.maxOpen = Math.max(state.connections.maxOpen, ++state.connections.open);
    socket.on('close', () => state.connections.open--);
  });
  const served = await serve(server, { timers, keepAliveMs });
  state.host = `http://127.0.0.1:${served.port}`;
  state.close = served.close;
  state.unref = served.unref;
  return state;
}

/** A PostHog-like object that keeps every message it is given, as given (NaN and all). */
export function recordingPostHog() {
  /** @type {{ event: string; distinctId: string; properties: Record<string, any>; groups?: unknown }[]} */
  const messages = [];
  return {
    messages,
    posthog: {
      /** @param {{ event: string; distinctId: string; properties?: Record<string, unknown>; groups?: unknown }} message */
      capture(message) {
        messages.push(/** @type {(typeof messages)[number]} */ (message));
      },
    },
  };
}
