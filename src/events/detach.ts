import { readable, setOwn, UNREADABLE } from '../safe-read.js';

/** How many objects and arrays one call's copy takes at most, and how deep; past either, the rest is shared. */
const MAX_COPIED = 10_000;
const MAX_DEPTH = 40;

/**
 * One call's copy, which may span several values (the request body and the input taken from it):
 * one bound for all of them, and the objects on the path being copied with their copies, so that a
 * cycle stays a cycle. An object reached twice by other paths is copied twice (within the bound).
 */
export interface Copying {
  left: number;
  /** The objects being copied, outermost first, and their copies beside. */
  readonly path: object[];
  readonly copies: object[];
}

export function newCopying(): Copying {
  return { left: MAX_COPIED, path: [], copies: [] };
}

/**
 * A copy of the caller's data that their later changes don't reach: the event of a call is built
 * after the caller has its result, and their code may by then have edited a message, the result,
 * or the properties object it passes to every call.
 *
 * Plain objects and arrays are copied, with the same shape (a cycle stays a cycle, which the
 * sanitize pass then marks); everything else is shared: strings and numbers can't be changed,
 * class instances (a `Date`, a `Uint8Array`) are described by the sanitize pass when the event is
 * sent, and arrays of numbers are embedding vectors, which no event holds. Bounded: past
 * {@link MAX_COPIED} objects or {@link MAX_DEPTH} levels the rest is shared, as it would have been
 * without this copy. A getter that throws throws here: the caller builds the event at once instead.
 * `copying`: to share one bound between the values of one call.
 */
export function detached<T>(value: T, copying: Copying = newCopying()): T {
  if (value === null || typeof value !== 'object') return value;
  return copy(value, copying, 0) as T;
}

/**
 * {@link detached}, or `value` itself when a getter in it throws: for groups and other data the
 * tracking keeps from the caller.
 */
export function detachedOrShared<T>(value: T): T {
  try {
    return detached(value);
  } catch {
    return value;
  }
}

/**
 * User properties (the client's, a context's, a call's) as the tracking keeps them, read where
 * they are given: a copy; when a getter in them throws, their own values read once instead (a
 * throwing one is `'[unreadable]'`), anything deeper shared.
 */
export function ownProperties(value: unknown): Record<string, unknown> {
  try {
    const copy = detached(value);
    // Not copied (not a plain object): read below, value by value, as when a getter throws.
    if (copy !== value) return copy as Record<string, unknown>;
  } catch {
    // read below
  }
  return readable(value, UNREADABLE);
}

/** `value` copied (see {@link detached}): each object and array made in one pass over its values. */
function copy(value: unknown, copying: Copying, depth: number): unknown {
  if (value === null || typeof value !== 'object' || copying.left <= 0 || depth >= MAX_DEPTH) return value;
  const { path, copies } = copying;
  const ancestor = path.indexOf(value);
  if (ancestor >= 0) return copies[ancestor];
  let out: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    if (typeof value[0] === 'number') return value;
    out = new Array<unknown>(value.length);
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    out = {};
  }
  copying.left -= 1;
  path.push(value);
  copies.push(out);
  if (Array.isArray(out)) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) out[i] = copy(array[i], copying, depth + 1);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) setOwn(out, key, copy(record[key], copying, depth + 1));
  }
  path.pop();
  copies.pop();
  return out;
}
