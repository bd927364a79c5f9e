import { setOwn } from '../safe-read.js';

/** How many objects and arrays one call's copy takes at most, and how deep; past either, the rest is shared. */
const MAX_COPIED = 10_000;
const MAX_DEPTH = 40;

/**
 * One call's copy, which may span several values (the request body and the input taken from it):
 * each object is copied once however often it is reached, so a cycle stays a cycle and the
 * messages the input shares with the body are copied once.
 */
export interface Copying {
  left: number;
  /** Each object copied so far → its copy. */
  readonly copies: Map<object, object>;
}

export function newCopying(): Copying {
  return { left: MAX_COPIED, copies: new Map() };
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
 * `copying`: to share one bound and one set of copies between the values of one call.
 */
export function detached<T>(value: T, copying: Copying = newCopying()): T {
  if (value === null || typeof value !== 'object') return value;
  return copy(value, copying, 0) as T;
}

/**
 * {@link detached}, or `value` itself when a getter in it throws: for data that lives across calls
 * (the client's and a context's properties), copied once when it is given.
 */
export function detachedOrShared<T>(value: T): T {
  try {
    return detached(value);
  } catch {
    return value;
  }
}

function copy(value: unknown, copying: Copying, depth: number): unknown {
  if (value === null || typeof value !== 'object' || copying.left <= 0 || depth >= MAX_DEPTH) return value;
  const done = copying.copies.get(value);
  if (done !== undefined) return done;
  let out: unknown[] | Record<string, unknown>;
  if (Array.isArray(value)) {
    if (typeof value[0] === 'number') return value;
    out = [];
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    out = {};
  }
  copying.left -= 1;
  copying.copies.set(value, out);
  if (Array.isArray(out)) {
    for (const item of value as unknown[]) out.push(copy(item, copying, depth + 1));
  } else {
    for (const key of Object.keys(value)) {
      setOwn(out, key, copy((value as Record<string, unknown>)[key], copying, depth + 1));
    }
  }
  return out;
}
