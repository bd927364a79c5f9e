/**
 * Makes event properties safe to send: serializable (no cycles, BigInts, functions), free of
 * inline media, and under PostHog's size limit.
 */

import { setOwn } from '../safe-read.js';

/** PostHog's `/batch/` endpoint rejects an `$ai_*` event above 983,040 bytes; this leaves room for posthog-node's own fields. */
export const DEFAULT_MAX_EVENT_BYTES = 900_000;

const MAX_DEPTH = 40;
const MIN_STRING_CAP = 256;
// Properties whose content can be cut when an event is too large, largest-first by nature.
const TRUNCATABLE = ['$ai_input', '$ai_output_choices', '$ai_input_state', '$ai_output_state', '$ai_tools'] as const;

interface Walk {
  /** Strings longer than this are cut with a marker (Infinity: none are). */
  stringCap: number;
  /** Approximate UTF-16 size of what was kept, for the size check. */
  chars: number;
  /** Objects on the current path, to spot cycles. */
  path: object[];
  /** Copy every object and array (else only the ones with a value that changed). */
  copyAll: boolean;
}

function kilobytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** `data:image/png;base64,...` → a short marker with its type and decoded size. */
function inlineMediaMarker(value: string): string | undefined {
  if (!value.startsWith('data:')) return undefined;
  const comma = value.indexOf(',', 5);
  if (comma < 0 || comma > 200) return undefined;
  const header = value.slice(5, comma);
  if (!header.endsWith(';base64')) return undefined;
  const mime = header.slice(0, -';base64'.length).split(';')[0] || 'application/octet-stream';
  const bytes = Math.floor(((value.length - comma - 1) * 3) / 4);
  return `[inline ${mime} data, ${kilobytes(bytes)}, removed]`;
}

const BASE64 = /^[A-Za-z0-9+/=\r\n]+$/;

/**
 * Raw base64 under a `data` key (chat `input_audio.data`, audio output `audio.data`) or a
 * `file_data` key (chat `file.file_data`, Responses `input_file.file_data`, without `data:`) → a marker.
 */
function rawMediaMarker(key: string, value: string): string | undefined {
  if ((key !== 'data' && key !== 'file_data') || value.length < 512 || !BASE64.test(value)) return undefined;
  return `[inline base64 data, ${kilobytes(Math.floor((value.length * 3) / 4))}, removed]`;
}

function cut(value: string, cap: number): string {
  return `${value.slice(0, cap)}…[truncated ${value.length - cap} characters]`;
}

function walkString(value: string, key: string, walk: Walk): string {
  const marker = inlineMediaMarker(value) ?? rawMediaMarker(key, value);
  const kept = marker ?? (value.length > walk.stringCap ? cut(value, walk.stringCap) : value);
  walk.chars += kept.length + 2;
  return kept;
}

function walkValue(value: unknown, key: string, walk: Walk, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return walkString(value, key, walk);
    case 'number':
      walk.chars += 8;
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      walk.chars += 5;
      return value;
    case 'bigint':
      walk.chars += 20;
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) {
    walk.chars += 4;
    return null;
  }
  const object = value as object;
  if (walk.path.includes(object)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  // Most of an event: walked at once, without asking what else the object could be.
  if (isPlain(object)) return walkObject(object, key, walk, depth);
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `[binary data, ${kilobytes((object as ArrayBufferView).byteLength)}, removed]`;
  }
  if (object instanceof Date) {
    walk.chars += 26;
    return Number.isNaN(object.getTime()) ? null : object.toISOString();
  }

  // Like JSON.stringify, a value's toJSON() says what it is; one that throws gets a marker.
  let toJSON: unknown;
  try {
    toJSON = (object as { toJSON?: unknown }).toJSON;
  } catch {
    toJSON = undefined; // walked as an object: its own unreadable values get the marker
  }
  if (typeof toJSON === 'function') {
    let json: unknown;
    try {
      json = toJSON.call(object, key);
    } catch {
      walk.chars += 14;
      return '[unreadable]';
    }
    if (json === object) return walkObject(object, key, walk, depth);
    return walkValue(json, key, walk, depth + 1);
  }
  return walkObject(object, key, walk, depth);
}

/** A plain object or array that JSON.stringify writes as it is: no `toJSON` of its own or inherited. */
function isPlain(object: object): boolean {
  try {
    const prototype: unknown = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) return false;
    return (prototype === null || (prototype as { toJSON?: unknown }).toJSON === undefined) && !Object.prototype.hasOwnProperty.call(object, 'toJSON');
  } catch {
    return false; // a proxy that throws: the general path says what it is
  }
}

/** An array or an object with its values made safe: itself when none changed (unless `copyAll`), else a copy. */
function walkObject(object: object, key: string, walk: Walk, depth: number): unknown {
  walk.path.push(object);
  try {
    if (Array.isArray(object)) {
      let copy: unknown[] | undefined = walk.copyAll ? new Array(object.length) : undefined;
      for (let i = 0; i < object.length; i++) {
        const item: unknown = object[i];
        let safe = walkValue(item, key, walk, depth + 1);
        if (safe === undefined) safe = null; // as JSON.stringify writes it
        if (copy) copy[i] = safe;
        else if (safe !== item) {
          copy = object.slice(0, i);
          copy[i] = safe;
        }
      }
      walk.chars += object.length + 2;
      return copy ?? object;
    }
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    let copy: Record<string, unknown> | undefined = walk.copyAll ? {} : undefined;
    for (let i = 0; i < keys.length; i++) {
      const name = keys[i]!;
      let item: unknown;
      let safe: unknown;
      try {
        item = record[name];
        safe = walkValue(item, name, walk, depth + 1);
      } catch {
        // A throwing getter: the copy gets a marker (the original would throw again when serialized).
        item = undefined;
        safe = walkString('[unreadable]', name, walk);
      }
      walk.chars += name.length + 4;
      if (!copy) {
        if (safe === item) continue;
        copy = {};
        for (let j = 0; j < i; j++) setOwn(copy, keys[j]!, record[keys[j]!]);
      }
      if (safe !== undefined) setOwn(copy, name, safe);
    }
    return copy ?? object;
  } finally {
    walk.path.pop();
  }
}

/**
 * Makes a set of properties serializable and free of inline media (no size limit). `chars` is an
 * estimate of their JSON size in UTF-16 units, for {@link fitProperties}.
 *
 * Only the objects and arrays with something changed inside are copied (a string cut, a cycle
 * marked): an event's data is the tracking's own by then (see `detach.ts`), and most events need no
 * change at all. `copy`: copy every object and array, for data that may still be someone else's
 * (what a `redact` hook returns, a trace's input and output).
 */
export function sanitizeProperties(
  properties: Record<string, unknown>,
  { stringCap = Number.POSITIVE_INFINITY, copy = false }: { stringCap?: number; copy?: boolean } = {},
): { properties: Record<string, unknown>; chars: number } {
  const walk: Walk = { stringCap, chars: 0, path: [], copyAll: copy };
  const safe = walkValue(properties, '', walk, 0) as Record<string, unknown>;
  return { properties: safe, chars: walk.chars };
}

/** The size of `value` as JSON, in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).length;
}

/** Safe properties with their input and output (and trace states, tools) replaced by `marker`. */
export function withoutContent(safe: Record<string, unknown>, marker: string): Record<string, unknown> {
  const slim = { ...safe };
  for (const name of TRUNCATABLE) {
    if (slim[name] !== undefined && slim[name] !== null) slim[name] = marker;
  }
  return slim;
}

/**
 * Cuts the long strings of `names` (all properties when absent) with a visible marker, shorter and
 * shorter, until the properties fit in `maxBytes`. Undefined when no cut makes them fit.
 */
function cutLongStrings(
  safe: Record<string, unknown>,
  maxBytes: number,
  names?: readonly string[],
): Record<string, unknown> | undefined {
  let stringCap = Math.max(MIN_STRING_CAP, Math.floor(maxBytes / 4));
  while (stringCap >= MIN_STRING_CAP) {
    let cutDown: Record<string, unknown>;
    if (names) {
      cutDown = { ...safe };
      for (const name of names) {
        if (name in cutDown) cutDown[name] = sanitizeProperties({ value: safe[name] }, { stringCap }).properties.value;
      }
    } else {
      cutDown = sanitizeProperties(safe, { stringCap }).properties;
    }
    if (jsonBytes(cutDown) <= maxBytes) return cutDown;
    stringCap = Math.floor(stringCap / 4);
  }
  return undefined;
}

/**
 * Properties already made safe by {@link sanitizeProperties} (`chars`: the sum of its estimates),
 * made to fit in `maxBytes` when they could be larger. When they don't fit, the long strings of the
 * input and output (and trace states, tools) are cut with a visible marker, shorter and shorter;
 * then long strings anywhere (your own properties); then the largest of those properties are
 * replaced by a marker; as a last resort, only the `$` properties are kept. `eventLimit`: the limit
 * the markers name (the whole event's, of which `maxBytes` is the properties' share).
 */
export function fitProperties(
  safe: Record<string, unknown>,
  chars: number,
  maxBytes: number,
  eventLimit = maxBytes,
): Record<string, unknown> {
  // A UTF-16 character is at most 3 UTF-8 bytes: only events that could be too large are measured.
  if (chars * 3 <= maxBytes) return safe;
  if (jsonBytes(safe) <= maxBytes) return safe;

  const cut = cutLongStrings(safe, maxBytes, TRUNCATABLE) ?? cutLongStrings(safe, maxBytes);
  if (cut) return cut;

  const marker = `[removed: the event was over ${eventLimit} bytes]`;
  const replaced = { ...safe };
  const largestFirst = TRUNCATABLE.filter((name) => name in replaced).sort((a, b) => jsonBytes(safe[b]) - jsonBytes(safe[a]));
  for (const name of largestFirst) {
    replaced[name] = marker;
    if (jsonBytes(replaced) <= maxBytes) return replaced;
  }
  const rest = cutLongStrings(replaced, maxBytes);
  if (rest) return rest;
  // Many small values add up (thousands of properties of your own): keep only ours, small ones whole.
  const minimal: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(replaced)) {
    if (name.startsWith('$')) minimal[name] = jsonBytes(value) <= 256 ? value : marker;
  }
  return minimal;
}
