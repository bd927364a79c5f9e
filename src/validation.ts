/** Small checks shared by every place that validates user input at the boundary. */

/** A function's own source text, which tells a class from a plain function (no other reliable sign exists). */
function isClass(value: Function): boolean {
  try {
    return /^class[\s{]/.test(Function.prototype.toString.call(value));
  } catch {
    return false; // a revoked proxy or another exotic function: not worth naming more precisely
  }
}

/** A function's name, when it has a short, printable one. */
function functionName(value: Function): string | undefined {
  try {
    const name = value.name;
    return typeof name === 'string' && /^[\w$]{1,60}$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How a wrong value is named in an error message: a few words, never a dump. Strings are not
 * echoed (a misplaced API key must not end up in an error message or a log), nor are functions
 * (their source text can be thousands of lines).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') {
    const name = functionName(value);
    if (isClass(value)) return name ? `the class ${name}` : 'a class';
    return name ? `the function ${name}` : 'a function';
  }
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'symbol') return 'a symbol';
  return `${typeof value} ${String(value)}`;
}

/** An object that is not an array (any prototype): a record to read keys from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A plain object literal (not an array, a class instance or null). */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
