/** Small checks shared by every place that validates user input at the boundary. */

/** How a wrong value is named in an error message. Strings are not echoed: a misplaced API key must not end up in an error message or a log. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `${typeof value} ${String(value)}`;
}

/** A plain object literal (not an array, a class instance or null). */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
