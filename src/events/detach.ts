/** How many objects and arrays one call's copy takes at most, and how deep; past either, the rest is shared. */
const MAX_COPIED = 10_000;
const MAX_DEPTH = 40;

interface Copying {
  left: number;
  /** Each object copied so far, and its copy: a value reached twice (a cycle) is copied once. */
  readonly copies: Map<object, unknown>;
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
 */
export function detached<T>(value: T): T {
  return copy(value, { left: MAX_COPIED, copies: new Map() }, 0) as T;
}

function copy(value: unknown, copying: Copying, depth: number): unknown {
  if (value === null || typeof value !== 'object' || copying.left <= 0 || depth >= MAX_DEPTH) return value;
  const known = copying.copies.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    if (typeof value[0] === 'number') return value;
    copying.left -= 1;
    const out: unknown[] = [];
    copying.copies.set(value, out);
    for (const item of value) out.push(copy(item, copying, depth + 1));
    return out;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  copying.left -= 1;
  const out: Record<string, unknown> = {};
  copying.copies.set(value, out);
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], copying, depth + 1);
    // An own "__proto__" key (JSON.parse makes those) is defined, as assigning it would set the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, writable: true, enumerable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
