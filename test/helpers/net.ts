import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** A 127.0.0.1 server that accepts requests and never answers them, until `close()`. */
export interface HangingServer {
  url: string;
  /** The requests that arrived (method and path), in order. */
  requests: { method: string | undefined; url: string | undefined }[];
  /** Resolves when the first request has arrived. */
  firstRequest: Promise<IncomingMessage>;
  close(): Promise<void>;
}

export async function hangingServer(): Promise<HangingServer> {
  const requests: HangingServer['requests'] = [];
  let arrived!: (request: IncomingMessage) => void;
  const firstRequest = new Promise<IncomingMessage>((resolve) => {
    arrived = resolve;
  });
  const server: Server = createServer((request) => {
    requests.push({ method: request.method, url: request.url });
    request.resume(); // read the body, never answer
    arrived(request);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    firstRequest,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until the current promise jobs and one turn of the event loop have run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
