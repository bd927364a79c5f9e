/**
 * Copying plain records the way a spread (`{ ...a, ...b }`) or `JSON.parse` makes them, but fast.
 *
 * On Node 20, a spread's copy takes the slow path as soon as a property is added to it (by a second
 * spread or a property after the spread, as in `{ ...body, stream_options }`): about 400 ns for one
 * added property, against about 50 ns for an empty object filled by `Object.assign`. On a call's
 * path that is a tenth of what tracking costs.
 *
 * `Object.assign` and plain assignment *set* where a spread *defines*. That differs for an own
 * `"__proto__"` key (`JSON.parse` makes those), which set would change the copy's prototype instead
 * of being copied, and for a key that a frozen `Object.prototype` holds read-only (`constructor`,
 * `toString`), which set would throw on. Both are defined here. (Setters added to
 * `Object.prototype` by other code would still see the keys they are for, as with assignment.)
 */

/** Defines `key` on `target` as an ordinary data property, as a spread or `JSON.parse` does. */
export function defineOwn(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `target[key] = value`, except that an own `"__proto__"` key is defined as a key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') defineOwn(target, key, value);
  else target[key] = value;
}

/** Copies `source`'s own enumerable properties (string and symbol keys) onto `target`, as a spread does; null and undefined copy nothing. */
export function assignRecord(target: object, source: object | null | undefined): void {
  if (source === undefined || source === null) return;
  if (!Object.prototype.hasOwnProperty.call(source, '__proto__')) {
    try {
      Object.assign(target, source);
      return;
    } catch {
      // A key that a frozen Object.prototype holds read-only: defined below, as a spread would.
    }
  }
  for (const key of Reflect.ownKeys(source)) {
    if (Object.prototype.propertyIsEnumerable.call(source, key)) defineOwn(target, key, (source as Record<PropertyKey, unknown>)[key]);
  }
}

/** `{ ...a, ...b, ...c }`: own enumerable properties, later sources winning, undefined and null sources skipped. */
export function mergeRecords<T = unknown>(...sources: (Readonly<Record<string, T>> | null | undefined)[]): Record<string, T> {
  const merged: Record<string, T> = {};
  for (const source of sources) assignRecord(merged, source);
  return merged;
}
