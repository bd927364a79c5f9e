import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// What the 127.0.0.1 stand-ins (local-openai.ts, local-posthog.ts) share: reading a body, listening
// on a free port, closing with every connection. Nothing here loads nock.

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => resolve(Buffer.concat(parts)));
    request.on('error', reject);
  });
}

/** Listens on a free 127.0.0.1 port, with a backlog large enough for a load test's burst of connections. */
export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 2048, resolve));
  return (server.address() as AddressInfo).port;
}

/** `close()` for a server: clears its timers, drops every connection (kept-alive or hanging), once. */
export function closer(server: Server, timers: Set<NodeJS.Timeout> = new Set()): () => Promise<void> {
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

/**
 * A 127.0.0.1 port that refuses connections: a server is started on a free port and closed again,
 * so nothing listens there any more.
 */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
