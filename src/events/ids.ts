// Read once, at the first call: on Node, `globalThis.crypto` is a getter that shows on the call's
// path (docs/performance.md), and its first read loads Web Crypto, which the import need not do.
let webCrypto: Crypto | undefined;

/**
 * A random UUID (v4), for trace ids and event uuids. Web Crypto's `randomUUID` exists on Node 20+
 * and on edge runtimes, so no `node:` import is needed.
 */
export function newUuid(): string {
  webCrypto ??= globalThis.crypto;
  return webCrypto.randomUUID();
}

/**
 * The longest distinct id or group key sent. Longer ones are cut (PostHog stores ids as short
 * strings, and one huge id would make the event too large to be accepted at all).
 */
export const MAX_ID_CHARS = 200;

/** A 53-bit hash of `text` (two FNV-1a passes), in base 36: two long ids stay apart once cut. */
function hashOf(text: string): string {
  let high = 0x811c9dc5;
  let low = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    low = Math.imul(low ^ code, 0x5bd1e995) >>> 0;
  }
  return ((high & 0x1fffff) * 0x1_0000_0000 + low).toString(36);
}

/** `id` as sent: itself up to {@link MAX_ID_CHARS} characters, else its start and a hash of the whole. */
export function boundedId(id: string): string {
  if (id.length <= MAX_ID_CHARS) return id;
  const hash = hashOf(id);
  return `${id.slice(0, MAX_ID_CHARS - hash.length - 2)}…#${hash}`;
}
