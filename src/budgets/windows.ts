import { describeValue, isPlainRecord } from '../validation.js';

/** A budget's window: a UTC hour, day or month, or a fixed number of seconds counted from the Unix epoch. */
export type BudgetWindow = 'hour' | 'day' | 'month' | { seconds: number };

/** One window: when it started and when it ends, in ms since the epoch, and its name in keys and events. */
export interface WindowSpan {
  readonly startMs: number;
  readonly endMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A window longer than a year would keep its keys for as long: not a budget window. */
const MAX_SECONDS = 366 * 86_400;

export function checkWindow(value: unknown, field: string, fail: (field: string, message: string) => never): BudgetWindow {
  if (value === 'hour' || value === 'day' || value === 'month') return value;
  if (isPlainRecord(value) && Object.keys(value).length === 1) {
    const seconds = value.seconds;
    if (typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_SECONDS) return { seconds };
    fail(`${field}.seconds`, `must be a whole number of seconds from 1 to ${MAX_SECONDS}, got ${describeValue(seconds)}`);
  }
  fail(field, `must be 'hour', 'day', 'month' or { seconds }, got ${describeValue(value)}`);
}

/**
 * The window holding `nowMs`. Hours and days start on the UTC hour and at UTC midnight, months at
 * UTC midnight on the 1st; `{ seconds }` windows at whole multiples of their length since the
 * epoch, so every process computes the same window without talking to the others.
 */
export function windowAt(window: BudgetWindow, nowMs: number): WindowSpan {
  if (window === 'hour') {
    const startMs = nowMs - (nowMs % HOUR_MS);
    return { startMs, endMs: startMs + HOUR_MS };
  }
  if (window === 'day') {
    const startMs = nowMs - (nowMs % DAY_MS);
    return { startMs, endMs: startMs + DAY_MS };
  }
  if (window === 'month') {
    const now = new Date(nowMs);
    const year = now.getUTCFullYear();
    const month = now.getUTCMonth();
    return { startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
  }
  const length = window.seconds * 1000;
  const startMs = Math.floor(nowMs / length) * length;
  return { startMs, endMs: startMs + length };
}

/** The window's name in events: `hour`, `day`, `month` or `<n>s`. */
export function windowName(window: BudgetWindow): string {
  return typeof window === 'string' ? window : `${window.seconds}s`;
}
