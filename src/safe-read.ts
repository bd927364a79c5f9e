/** Reading the caller's values without a throwing getter (or a revoked proxy) ever reaching tracking's caller, and copying their keys. */

/** What a value that cannot be read becomes (a getter that throws), as `src/events/sanitize.ts` writes it too. */
export const UNREADABLE = '[unreadable]';

/** `source[key]`, or `fallback` when reading it throws (a getter, a revoked proxy). */
export function readOr(source: object, key: PropertyKey, fallback: unknown): unknown {
  try {
    return (source as Record<PropertyKey, unknown>)[key];
  } catch {
    return fallback;
  }
}

/** Sets a key on a plain object; an own "__proto__" key (JSON.parse makes those) is defined, as assigning it would set the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/**
 * `{ ...source, [key]: value }`, made otherwise: for a key `source` lacks, V8 takes a slow path to
 * add it to a spread's copy (docs/performance.md, "Copies with a key added"). Own keys are copied as
 * a spread copies them, symbols included; a getter that throws throws here, as in a spread.
 */
export function withKey(source: object, key: string, value: unknown): Record<string, unknown> {
  // `Object.assign` sets what it copies: an own "__proto__" key (JSON.parse makes those) would set the copy's prototype.
  if (Object.prototype.hasOwnProperty.call(source, '__proto__')) return { ...source, [key]: value };
  const copy = Object.assign({}, source) as Record<string, unknown>;
  setOwn(copy, key, value);
  return copy;
}

/**
 * The own enumerable string-keyed values of `source`, each read once, in a new record: a value
 * whose getter throws becomes `unreadable` (left out when that is undefined, as are undefined
 * values then). `Object.fromEntries` defines keys as a spread does (an own `"__proto__"` key stays a
 * key). Nothing here throws.
 */
export function readable(source: unknown, unreadable: unknown): Record<string, unknown> {
  if (source === null || typeof source !== 'object') return {};
  let keys: string[];
  try {
    keys = Object.keys(source);
  } catch {
    return {}; // a proxy whose keys cannot be listed: nothing of it can be read
  }
  const entries: [string, unknown][] = [];
  for (const key of keys) {
    const value = readOr(source, key, unreadable);
    if (value !== undefined || unreadable !== undefined) entries.push([key, value]);
  }
  return Object.fromEntries(entries);
}
