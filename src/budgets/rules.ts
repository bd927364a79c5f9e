import { describeValue, isPlainRecord } from '../validation.js';
import type { BudgetEvent } from './types.js';
import { memoryBudgetStore, type BudgetStore } from './store.js';
import { type BudgetWindow, checkWindow } from './windows.js';

/** Whose spend a rule adds up: the whole client, each person, each value of a property, or each group. */
export type BudgetScope = 'client' | 'distinctId' | { property: string } | { group: string };

/** One spend limit. */
export interface BudgetRule {
  /** Names the rule in events, errors and the store's keys: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The limit in USD for one window of one scope. */
  limitUsd: number;
  /** `hour`, `day` or `month` (UTC), or `{ seconds }`: windows aligned to the Unix epoch, so to UTC. */
  window: BudgetWindow;
  /** Whose spend adds up. Default `'client'`. */
  scope?: BudgetScope;
  /** Fractions of the limit at which one `$ai_budget_alert` is sent, per window. Default `[1]`. */
  thresholds?: number[];
  /** Past the limit: `warn` (the call goes ahead; the alerts say so) or `block` (it fails before it is sent). Default `warn`. */
  action?: 'warn' | 'block';
  /**
   * `block` rules: hold an estimate of each call's cost (its input and `max_tokens` /
   * `max_output_tokens` at the price table's price) while it runs, and block a call whose estimate
   * would go past the limit. Tighter than blocking on spend alone, when calls run concurrently.
   */
  reserve?: boolean;
}

/** The `budgets` option. */
export interface BudgetOptions {
  rules: BudgetRule[];
  /** Where spend is kept: in memory by default (one process); `redisBudgetStore(client)` to share it. */
  store?: BudgetStore;
  /** Called with every alert and every blocked call this process sees (never throws into a call). */
  onBudgetEvent?: (event: BudgetEvent) => void;
  /** The longest a call waits for the store before it goes ahead (or, `failClosed`, is blocked), in ms. Default 5. */
  waitMs?: number;
  /** When the store doesn't answer in time, block calls that `block` rules cover. Default false: they go ahead. */
  failClosed?: boolean;
}

/** A rule as checked: limits in integer micro-USD. */
export interface ResolvedRule {
  readonly name: string;
  readonly limitMicros: number;
  readonly limitUsd: number;
  readonly window: BudgetWindow;
  readonly scope: BudgetScope;
  readonly thresholds: readonly number[];
  readonly thresholdMicros: readonly number[];
  readonly action: 'warn' | 'block';
  readonly reserve: boolean;
}

export interface ResolvedBudgets {
  readonly rules: readonly ResolvedRule[];
  readonly store: BudgetStore;
  readonly onBudgetEvent: ((event: BudgetEvent) => void) | undefined;
  readonly waitMs: number;
  readonly failClosed: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_WAIT_MS = 60_000;

function fail(field: string, message: string): never {
  throw new TypeError(`tracked-openai: option \`${field}\` ${message}`);
}

function checkScope(value: unknown, field: string): BudgetScope {
  if (value === undefined || value === 'client' || value === 'distinctId') return value ?? 'client';
  if (isPlainRecord(value)) {
    const keys = Object.keys(value);
    const kind = keys[0];
    if (keys.length === 1 && (kind === 'property' || kind === 'group')) {
      const name = value[kind];
      if (typeof name === 'string' && name.length > 0) return kind === 'property' ? { property: name } : { group: name };
      fail(`${field}.${kind}`, `must be a non-empty string, got ${describeValue(name)}`);
    }
  }
  fail(field, `must be 'client', 'distinctId', { property: name } or { group: type }, got ${describeValue(value)}`);
}

function checkRule(value: unknown, index: number, names: Set<string>): ResolvedRule {
  const field = `budgets.rules[${index}]`;
  if (!isPlainRecord(value)) fail(field, `must be an object, got ${describeValue(value)}`);
  const known = ['name', 'limitUsd', 'window', 'scope', 'thresholds', 'action', 'reserve'];
  for (const key of Object.keys(value)) if (!known.includes(key)) fail(`${field}.${key}`, `is unknown (known: ${known.join(', ')})`);
  const { name, limitUsd, action, reserve } = value;
  if (typeof name !== 'string' || !NAME.test(name)) fail(`${field}.name`, `must be 1-64 letters, digits, ".", "_" or "-", got ${describeValue(name)}`);
  if (names.has(name)) fail(`${field}.name`, `repeats the name of another rule`);
  names.add(name);
  if (typeof limitUsd !== 'number' || !Number.isFinite(limitUsd) || limitUsd <= 0) fail(`${field}.limitUsd`, `must be a number > 0, got ${describeValue(limitUsd)}`);
  const limitMicros = Math.round(limitUsd * 1e6);
  if (limitMicros < 1 || !Number.isSafeInteger(limitMicros)) fail(`${field}.limitUsd`, 'must be at least 0.000001 and below 9e9');
  const window = checkWindow(value.window, `${field}.window`, fail);
  const thresholds = value.thresholds ?? [1];
  if (!Array.isArray(thresholds) || thresholds.length === 0 || thresholds.length > 10) fail(`${field}.thresholds`, `must be an array of 1 to 10 fractions of the limit, got ${describeValue(thresholds)}`);
  for (const [i, threshold] of thresholds.entries()) {
    if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 10)) fail(`${field}.thresholds[${i}]`, `must be a number above 0 and at most 10 (1 is the limit), got ${describeValue(threshold)}`);
  }
  const sorted = [...new Set(thresholds as number[])].sort((a, b) => a - b);
  if (action !== undefined && action !== 'warn' && action !== 'block') fail(`${field}.action`, `must be 'warn' or 'block', got ${describeValue(action)}`);
  if (reserve !== undefined && typeof reserve !== 'boolean') fail(`${field}.reserve`, `must be a boolean, got ${describeValue(reserve)}`);
  return {
    name,
    limitUsd,
    limitMicros,
    window,
    scope: checkScope(value.scope, `${field}.scope`),
    thresholds: sorted,
    // At least 1 micro-USD: a threshold reached with no spend at all would alert on a mere check.
    thresholdMicros: sorted.map((t) => Math.max(1, Math.round(limitMicros * t))),
    action: action ?? 'warn',
    reserve: reserve === true,
  };
}

/** The memory store of each `budgets` option object: a client made from another (`withOptions()`) shares its budgets. */
const memoryStores = new WeakMap<object, BudgetStore>();

function memoryStoreFor(options: object): BudgetStore {
  let store = memoryStores.get(options);
  if (!store) {
    store = memoryBudgetStore();
    memoryStores.set(options, store);
  }
  return store;
}

function isStore(value: unknown): value is BudgetStore {
  return value !== null && typeof value === 'object' && typeof (value as BudgetStore).update === 'function';
}

/** Checks the `budgets` option when the client is created: a mistake is a `TypeError` naming the field. */
export function resolveBudgets(input: unknown): ResolvedBudgets | undefined {
  if (input === undefined) return undefined;
  if (!isPlainRecord(input)) fail('budgets', `must be an object { rules, store?, onBudgetEvent?, waitMs?, failClosed? }, got ${describeValue(input)}`);
  const known = ['rules', 'store', 'onBudgetEvent', 'waitMs', 'failClosed'];
  for (const key of Object.keys(input)) if (!known.includes(key)) fail(`budgets.${key}`, `is unknown (known: ${known.join(', ')})`);
  const { rules, store, onBudgetEvent, waitMs, failClosed } = input;
  if (!Array.isArray(rules) || rules.length === 0) fail('budgets.rules', `must be a non-empty array of rules, got ${describeValue(rules)}`);
  const names = new Set<string>();
  const resolved = rules.map((rule, index) => checkRule(rule, index, names));
  if (store !== undefined && !isStore(store)) fail('budgets.store', `must be a budget store (memoryBudgetStore() or redisBudgetStore(client)), got ${describeValue(store)}`);
  if (onBudgetEvent !== undefined && typeof onBudgetEvent !== 'function') fail('budgets.onBudgetEvent', `must be a function, got ${describeValue(onBudgetEvent)}`);
  if (waitMs !== undefined && (typeof waitMs !== 'number' || !(waitMs >= 0 && waitMs <= MAX_WAIT_MS))) fail('budgets.waitMs', `must be a number from 0 to ${MAX_WAIT_MS}, got ${describeValue(waitMs)}`);
  if (failClosed !== undefined && typeof failClosed !== 'boolean') fail('budgets.failClosed', `must be a boolean, got ${describeValue(failClosed)}`);
  return {
    rules: resolved,
    store: (store as BudgetStore | undefined) ?? memoryStoreFor(input),
    onBudgetEvent: onBudgetEvent as ResolvedBudgets['onBudgetEvent'],
    waitMs: (waitMs as number | undefined) ?? 5,
    failClosed: failClosed === true,
  };
}
