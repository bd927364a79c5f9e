// @ts-check
import { createServer } from 'node:http';

// What the 127.0.0.1 stand-ins (local-openai.mjs, local-posthog.mjs) share: reading a body,
// listening on a free port, closing with every connection, letting the process end. Plain
// JavaScript, so that the demo and the bench (run by plain `node`) use them too. Nothing here loads
// nock.

/**
 * @param {import('node:http').IncomingMessage} request
 * @returns {Promise<Buffer>}
 */
export function readBody(request) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const parts = [];
    request.on('data', (part) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

/**
 * @typedef {object} Served
 * @property {number} port
 * @property {() => Promise<void>} close Clears the timers, drops every connection (kept-alive or hanging), once.
 * @property {() => void} closeIdle Closes the keep-alive connections that are idle (the client's pool lets go of them).
 * @property {() => void} unref Lets the process end while the server listens (a stand-in living in an example's own process).
 */

/**
 * Listens on a free 127.0.0.1 port, with a backlog large enough for a load test's burst of
 * connections. `timers` are the server's pending answers, cleared on close; `keepAliveMs` replaces
 * Node's 5 s keep-alive timeout (the bench pauses longer than that between runs).
 *
 * @param {import('node:http').Server} server
 * @param {{ timers?: Set<NodeJS.Timeout>; keepAliveMs?: number }} [options]
 * @returns {Promise<Served>}
 */
export async function serve(server, { timers = new Set(), keepAliveMs } = {}) {
  if (keepAliveMs !== undefined) server.keepAliveTimeout = keepAliveMs;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', 2048, () => resolve(undefined));
  });
  /** @type {Promise<void> | undefined} */
  let closed;
  return {
    port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
    close: () => {
      closed ??= new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
    closeIdle: () => server.closeIdleConnections(),
    unref: () => {
      server.unref();
      server.on('connection', (socket) => socket.unref());
    },
  };
}

/**
 * A 127.0.0.1 port that refuses connections: a server is started on a free port and closed again,
 * so nothing listens there any more.
 *
 * @returns {Promise<number>}
 */
export async function refusedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}
