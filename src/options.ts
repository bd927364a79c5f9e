import { ownProperties } from './events/detach.js';
import { DEFAULT_MAX_EVENT_BYTES } from './events/sanitize.js';

import { resolveOtelOption, type ResolvedOtel } from './otel/options.js';
import type { OtelOptions } from './otel/types.js';
import { type BudgetOptions, resolveBudgets, type ResolvedBudgets } from './budgets/rules.js';
import type { PricingOptions } from './pricing/types.js';
import { resolvePricing, type ResolvedPricing } from './pricing/validate.js';
import { describeValue, isPlainRecord } from './validation.js';

/**
 * The part of a PostHog client that tracked-openai uses. A `posthog-node` `PostHog` instance
 * (v4 or v5) fits; so does any object with a compatible `capture()`.
 */
export interface PostHogLike {
  capture(message: {
    distinctId: string;
    event: string;
    properties?: Record<string, unknown>;
    groups?: Record<string, string | number>;
    /** Given when the queue is counted (see `maxQueuedBytes`): posthog-node reports it back once sent. */
    uuid?: string;
  }): unknown;
  captureImmediate?(message: {
    distinctId: string;
    event: string;
    properties?: Record<string, unknown>;
    groups?: Record<string, string | number>;
  }): Promise<unknown>;
  /** Sends queued events (posthog-node); used for immediate delivery where `captureImmediate` can't be relied on. */
  flush?(): Promise<unknown>;
  /** posthog-node's version, to tell the versions whose `captureImmediate` resolves before sending (before 5.8.1). */
  getLibraryVersion?(): string;
  /** posthog-node's own `privacyMode` option, honoured when set. */
  privacyMode?: boolean;
}

/**
 * Whether posthog-node's own `privacyMode` option is on: a property of the client from posthog-node
 * 5.61.1, and only in the options it keeps (`options.privacyMode`) in 4.x and up to 5.61.0.
 */
export function posthogPrivacyMode(posthog: object | undefined): boolean {
  if (posthog === undefined) return false;
  try {
    const client = posthog as { privacyMode?: unknown; options?: { privacyMode?: unknown } | null };
    return client.privacyMode === true || client.options?.privacyMode === true;
  } catch {
    return false; // a client whose fields throw when read: no privacy mode of its own
  }
}

/** An event about to be sent, as given to the `redact` hook (posthog-node's `capture()` message). */
export interface TrackedEvent {
  distinctId: string;
  event: string;
  properties: Record<string, unknown>;
  groups?: Record<string, string | number>;
}

/** A debug logger: receives one line of text and, sometimes, a detail object. */
export type DebugLogger = (message: string, detail?: unknown) => void;

/** Options of a tracked client, given to `createTrackedOpenAI` or to the `OpenAI` / `AzureOpenAI` classes. */
export interface TrackingOptions {
  /** The posthog-node client that receives the events. Required. */
  posthog: PostHogLike;
  /** The PostHog person every event of this client belongs to, unless a call says otherwise. */
  distinctId?: string;
  /** Extra event properties added to every event of this client. */
  properties?: Record<string, unknown>;
  /** PostHog groups (`{ company: 'acme' }`) added to every event of this client. */
  groups?: Record<string, string | number>;
  /** When true, no prompts and no outputs are sent (`$ai_input` and `$ai_output_choices` are null). Default false. */
  privacyMode?: boolean;
  /**
   * When true, each event is sent with posthog-node's `captureImmediate()` and the call waits for the
   * delivery, at most `immediateTimeoutMs`. For serverless functions. Default false.
   */
  captureImmediate?: boolean;
  /** The longest a call waits for an immediate delivery, in milliseconds. Default 1000. */
  immediateTimeoutMs?: number;
  /**
   * Ask chat and legacy completion streams for token usage (`stream_options.include_usage`) when
   * the request doesn't say `include_usage` itself (no `stream_options`, or ones without it); the
   * extra usage-only chunk is then kept from the caller. Default true.
   */
  includeStreamUsage?: boolean;
  /**
   * Sees every event before it is sent (generations, embeddings, traces, spans): return it, changed
   * or not, or `null` to drop it. If it throws, the event is dropped (and the problem logged).
   */
  redact?: (event: TrackedEvent) => TrackedEvent | null;
  /**
   * The largest event sent, in bytes of JSON. Larger events have their input and output cut, with
   * a visible marker. Default 900,000 (PostHog rejects `$ai_*` events above 983,040 bytes).
   */
  maxEventBytes?: number;
  /**
   * The most bytes of events waiting in posthog-node's queue while PostHog does not take them (it
   * is down, slow or refusing): past half of it, events go without their input and output (tokens,
   * cost, latency and errors stay); at it, events are dropped until PostHog takes the queue. Counted
   * with posthog-node 4.16 and later. `Infinity` for no bound. Default 50,000,000 (50 MB).
   */
  maxQueuedBytes?: number;
  /** `true` logs every event and every tracking problem to the console; a function receives them instead. Default false. */
  debug?: boolean | DebugLogger;
  /**
   * Your prices: `overrides` (model id → `{ input, output, cachedInput?, ... }` in USD per million
   * tokens, or `null` to send no cost for that model), `aliases` (e.g. an Azure deployment name →
   * the model it runs) and a `resolver` function. Checked when the client is created.
   */
  pricing?: PricingOptions;
  /**
   * The provider this client talks to, as `$ai_provider` names it (`openai`, `azure`, `groq`,
   * `openrouter`, `gemini`, ...): its calls are priced with that provider's prices only, and nothing
   * is guessed from the base URL. A provider the price table does not know gets no cost (unless
   * `pricing` gives one). Default: found from the client (see the README's "Providers").
   */
  provider?: string;
  /**
   * Record an OpenTelemetry span per call, following the GenAI semantic conventions, as a child of
   * the span active when the call is made: `true` (the `tracked-openai` tracer of
   * `@opentelemetry/api`, which must be installed) or `{ tracer }`. Default false: nothing of
   * OpenTelemetry is loaded.
   */
  otel?: boolean | OtelOptions;
  /**
   * Spend limits and alerts per person, property, group or client, in memory or shared through
   * Redis: see the README's "Budgets". Checked when the client is created.
   */
  budgets?: BudgetOptions;
}

/** Validated options with their defaults filled in. */
export interface ResolvedTrackingOptions {
  readonly posthog: PostHogLike;
  readonly distinctId: string | undefined;
  readonly properties: Record<string, unknown> | undefined;
  readonly groups: Record<string, string | number> | undefined;
  readonly privacyMode: boolean;
  readonly captureImmediate: boolean;
  readonly immediateTimeoutMs: number;
  readonly includeStreamUsage: boolean;
  readonly redact: ((event: TrackedEvent) => TrackedEvent | null) | undefined;
  readonly maxEventBytes: number;
  readonly maxQueuedBytes: number;
  readonly log: DebugLogger | undefined;
  readonly pricing: ResolvedPricing;
  /** The `provider` option, trimmed and lower-cased. */
  readonly provider: string | undefined;
  /** The `otel` option: the tracer of the calls' spans, or undefined when off. */
  readonly otel: ResolvedOtel | undefined;
  readonly budgets: ResolvedBudgets | undefined;
}

/** The option names that belong to tracking (used to split them from the SDK's own options). */
export const TRACKING_OPTION_NAMES = [
  'posthog',
  'distinctId',
  'properties',
  'groups',
  'privacyMode',
  'captureImmediate',
  'immediateTimeoutMs',
  'includeStreamUsage',
  'redact',
  'maxEventBytes',
  'maxQueuedBytes',
  'debug',
  'pricing',
  'provider',
  'otel',
  'budgets',
] as const satisfies readonly (keyof TrackingOptions)[];

const DEFAULT_IMMEDIATE_TIMEOUT_MS = 1000;
const MAX_TIMER_MS = 2_147_483_647;
const MIN_EVENT_BYTES = 10_000;
const DEFAULT_MAX_QUEUED_BYTES = 50_000_000;
const MIN_QUEUED_BYTES = 100_000;

function fail(message: string): never {
  throw new TypeError(`tracked-openai: ${message}`);
}

function optionalBoolean(options: Record<string, unknown>, name: string): boolean {
  const value = options[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(`option \`${name}\` must be a boolean, got ${describeValue(value)}`);
  return value;
}

function consoleLogger(message: string, detail?: unknown): void {
  if (detail === undefined) console.debug(`[tracked-openai] ${message}`);
  else console.debug(`[tracked-openai] ${message}`, detail);
}

/**
 * A logger that never throws. The log is called from the places that catch tracking problems (and
 * from promise callbacks and timers): a throwing user logger there would reject the caller's call
 * or become an unhandled rejection.
 */
function neverThrowing(logger: DebugLogger): DebugLogger {
  let safe = safeLoggers.get(logger);
  if (!safe) {
    safe = (...args: Parameters<DebugLogger>) => {
      try {
        logger(...args);
      } catch {
        // The logger itself failed: there is nowhere left to report it.
      }
    };
    safeLoggers.set(logger, safe);
  }
  return safe;
}

/** One wrapper per logger, so that clients sharing a logger (or `debug: true`) log each PostHog problem once. */
const safeLoggers = new WeakMap<DebugLogger, DebugLogger>();

/** A function given where an instance belongs, named; a class with how to make its instance. */
function describeWithInstanceHint(value: unknown, constructorArgs: string): string {
  const described = describeValue(value);
  const className = /^the class (.+)$/.exec(described)?.[1];
  return className ? `${described} (pass an instance: new ${className}(${constructorArgs}))` : described;
}

/** An object with a `capture()` method: a PostHog client where something else was expected. */
function looksLikePostHog(value: unknown): boolean {
  try {
    return value !== null && typeof value === 'object' && typeof (value as { capture?: unknown }).capture === 'function';
  } catch {
    return false;
  }
}

/** The resources tracked-openai tracks: a stub that has one of them can still be tracked. */
const TRACKED_RESOURCES = ['chat', 'completions', 'responses', 'embeddings'] as const;

/**
 * Checks the first argument of `createTrackedOpenAI`. Duck-typed rather than `instanceof`: the ESM
 * and CJS builds of the SDK have different classes, tracked clients are proxies, and test doubles
 * (Jest's automock keeps only prototype methods such as `request()`) should still be accepted.
 */
export function checkOpenAIClient(client: unknown): void {
  const start = 'createTrackedOpenAI(client, options) needs an OpenAI client as its first argument';
  if (client === null || (typeof client !== 'object' && typeof client !== 'function')) {
    fail(`${start}, got ${describeValue(client)}`);
  }
  if (typeof client === 'function') {
    fail(`${start}, got ${describeWithInstanceHint(client, '')}`);
  }
  if (looksLikePostHog(client)) {
    fail(`${start}, got a posthog-node client: the OpenAI client comes first, createTrackedOpenAI(openai, { posthog })`);
  }
  let isClient = false;
  try {
    const record = client as Record<string, unknown>;
    isClient =
      typeof record.request === 'function' ||
      TRACKED_RESOURCES.some((name) => record[name] !== null && typeof record[name] === 'object');
  } catch {
    isClient = false;
  }
  if (!isClient) {
    fail(`${start} (such as new OpenAI()), got an object without chat, responses, embeddings or request()`);
  }
}

/** posthog-node clients already warned about, so that wrapping one client many times warns once. */
const warnedPostHogClients = new WeakSet<object>();

/**
 * posthog-node 5.30.1+ disables a client made without a project API key (before, it throws) and
 * says so only in its own debug output, so every event would vanish without a word. An explicit
 * `disabled: true` is a choice (tests, local development): only the debug log hears of it, from
 * the sink, when an event is dropped.
 */
function warnIfPostHogSendsNothing(posthog: PostHogLike): void {
  let disabled: unknown;
  let apiKey: unknown;
  try {
    const client = posthog as { disabled?: unknown; apiKey?: unknown };
    disabled = client.disabled;
    apiKey = client.apiKey;
  } catch {
    return; // a client whose fields throw when read: nothing to tell
  }
  const key = typeof apiKey === 'string' ? apiKey.trim() : undefined;
  // An unset environment variable interpolated into a string: posthog-node sends, PostHog rejects.
  const keyIsUnsetVariable = key === 'undefined' || key === 'null';
  let problem: string | undefined;
  if (disabled === true && (key === undefined || key === '')) {
    problem = 'the posthog-node client has no project API key, so posthog-node disabled it and no events will be sent';
  } else if (keyIsUnsetVariable) {
    problem = `the posthog-node client's project API key is the text "${key}" (an unset environment variable?), so PostHog will reject every event`;
  }
  if (problem === undefined || warnedPostHogClients.has(posthog)) return;
  warnedPostHogClients.add(posthog);
  console.warn(`[tracked-openai] ${problem}. Pass your project API key (phc_..., in PostHog's Project settings): new PostHog(apiKey).`);
}

/**
 * Checks the options once, when a tracked client is created, so that a mistake is a clear
 * `TypeError` at the boundary rather than silently missing analytics later.
 *
 * @param strict reject unknown option names (true for `createTrackedOpenAI`, whose options are only
 *   ours; false for the classes, whose options also hold the SDK's own).
 */
export function resolveTrackingOptions(input: unknown, strict: boolean): ResolvedTrackingOptions {
  if (input === undefined) {
    fail('options are missing: pass at least `{ posthog }`, your posthog-node client (`{ posthog: new PostHog(apiKey) }`)');
  }
  if (looksLikePostHog(input)) {
    fail('options must be an object, got the posthog-node client itself: pass `{ posthog }` instead of `posthog`');
  }
  if (!isPlainRecord(input)) {
    fail(`options must be an object with at least \`posthog\`, got ${describeValue(input)}`);
  }
  const options = input;

  if (strict) {
    for (const name of Object.keys(options)) {
      if (!(TRACKING_OPTION_NAMES as readonly string[]).includes(name)) {
        fail(`unknown option \`${name}\` (known options: ${TRACKING_OPTION_NAMES.join(', ')})`);
      }
    }
  }

  const posthog = options.posthog as PostHogLike | undefined;
  if (posthog === undefined || posthog === null) {
    fail('option `posthog` is required: pass your posthog-node client, e.g. `{ posthog: new PostHog(key) }`');
  }
  if (typeof posthog === 'function') {
    fail(`option \`posthog\` must be a posthog-node client instance, got ${describeWithInstanceHint(posthog, 'apiKey')}`);
  }
  if (typeof posthog !== 'object' || typeof posthog.capture !== 'function') {
    fail(`option \`posthog\` must be a posthog-node client (an object with a capture() method), got ${describeValue(posthog)}`);
  }

  const distinctId = options.distinctId;
  if (distinctId !== undefined && (typeof distinctId !== 'string' || distinctId.length === 0)) {
    fail(`option \`distinctId\` must be a non-empty string, got ${describeValue(distinctId)}`);
  }

  const properties = options.properties;
  if (properties !== undefined && !isPlainRecord(properties)) {
    fail(`option \`properties\` must be a plain object, got ${describeValue(properties)}`);
  }

  const groups = options.groups;
  if (groups !== undefined) {
    if (!isPlainRecord(groups)) fail(`option \`groups\` must be a plain object, got ${describeValue(groups)}`);
    for (const [type, key] of Object.entries(groups)) {
      if (typeof key !== 'string' && typeof key !== 'number') {
        fail(`option \`groups.${type}\` must be a string or a number, got ${describeValue(key)}`);
      }
    }
  }

  const immediateTimeoutMs = options.immediateTimeoutMs ?? DEFAULT_IMMEDIATE_TIMEOUT_MS;
  // Node's timers take at most 2^31 - 1 ms, and run a longer delay after 1 ms.
  if (typeof immediateTimeoutMs !== 'number' || !(immediateTimeoutMs >= 0 && immediateTimeoutMs <= MAX_TIMER_MS)) {
    fail(`option \`immediateTimeoutMs\` must be a number from 0 to ${MAX_TIMER_MS} (about 24.8 days), got ${describeValue(immediateTimeoutMs)}`);
  }

  const redact = options.redact;
  if (redact !== undefined && typeof redact !== 'function') {
    fail(`option \`redact\` must be a function (event) => event | null, got ${describeValue(redact)}`);
  }

  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  if (typeof maxEventBytes !== 'number' || !Number.isFinite(maxEventBytes) || maxEventBytes < MIN_EVENT_BYTES) {
    fail(`option \`maxEventBytes\` must be a number >= ${MIN_EVENT_BYTES}, got ${describeValue(maxEventBytes)}`);
  }

  const maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  if (typeof maxQueuedBytes !== 'number' || Number.isNaN(maxQueuedBytes) || maxQueuedBytes < MIN_QUEUED_BYTES) {
    fail(`option \`maxQueuedBytes\` must be a number >= ${MIN_QUEUED_BYTES} (or Infinity), got ${describeValue(maxQueuedBytes)}`);
  }

  const debug = options.debug;
  if (debug !== undefined && typeof debug !== 'boolean' && typeof debug !== 'function') {
    fail(`option \`debug\` must be a boolean or a function, got ${describeValue(debug)}`);
  }

  const pricing = resolvePricing(options.pricing, 'option `pricing`');
  const provider = options.provider;
  if (provider !== undefined && (typeof provider !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(provider.trim().toLowerCase()))) {
    fail(`option \`provider\` must be a provider id such as "openai", "groq" or "openrouter" (letters, digits, ".", "_", "-"), got ${describeValue(provider)}`);
  }
  const log = debug === true ? neverThrowing(consoleLogger) : typeof debug === 'function' ? neverThrowing(debug as DebugLogger) : undefined;
  warnIfPostHogSendsNothing(posthog);

  return {
    posthog,
    distinctId: distinctId as string | undefined,
    // Copied once: an event holds them until posthog-node sends it, and the caller may change theirs meanwhile.
    properties: properties === undefined ? undefined : ownProperties(properties),
    groups: groups as Record<string, string | number> | undefined,
    privacyMode: optionalBoolean(options, 'privacyMode'),
    captureImmediate: optionalBoolean(options, 'captureImmediate'),
    immediateTimeoutMs,
    includeStreamUsage: options.includeStreamUsage === undefined ? true : optionalBoolean(options, 'includeStreamUsage'),
    redact: redact as ResolvedTrackingOptions['redact'],
    maxEventBytes,
    maxQueuedBytes,
    log,
    pricing,
    provider: provider === undefined ? undefined : provider.trim().toLowerCase(),
    otel: resolveOtelOption(options.otel, fail),
    budgets: resolveBudgets(options.budgets),
  };
}
