/**
 * A random UUID (v4) for trace ids. Web Crypto's `randomUUID` exists on Node 20+ and on edge
 * runtimes, so no `node:` import is needed.
 */
export function newTraceId(): string {
  return globalThis.crypto.randomUUID();
}
