import { BackgroundJobs } from './background-jobs.js';
import { Budgets } from './budgets/budgets.js';
import type { DebugLogger, ResolvedTrackingOptions } from './options.js';
import { PricingState } from './pricing/state.js';
import { type Outbox, outboxOf } from './outbox.js';
import { Sink } from './sink.js';

/** Everything one tracked client (and the clients made from it with `withOptions`) shares. */
export class Tracking {
  readonly sink: Sink;
  /** Ended calls whose events are not built yet (shared by every tracked client of this PostHog client). */
  readonly outbox: Outbox;
  /** The tracked proxy of each object already wrapped, so property reads return the same proxy every time. */
  readonly proxies = new WeakMap<object, object>();
  /** Prices already chosen, and models already warned about. */
  readonly pricing = new PricingState();
  /** Background responses this client started whose end is not seen yet. */
  readonly backgroundJobs: BackgroundJobs;
  /** The `budgets` option's rules at work: undefined without it. */
  readonly budgets: Budgets | undefined;

  constructor(readonly options: ResolvedTrackingOptions) {
    this.sink = new Sink(options);
    this.outbox = outboxOf(options.posthog, options.log);
    this.backgroundJobs = new BackgroundJobs(this.outbox, options.log);
    this.budgets = options.budgets
      ? new Budgets(options.budgets, {
          options,
          pricing: this.pricing,
          send: (event) => this.sink.send(event, false),
        })
      : undefined;
    register(this);
  }
}

/**
 * The tracked clients not yet garbage collected, by PostHog client. A trace or span whose event
 * nothing else attributes (no tracked call inside it or around it, no `posthog` option) is sent to
 * the only PostHog client they use, and to none when they use several: see `src/traces.ts`.
 *
 * Everything is held weakly: the registry never keeps a tracked client or a PostHog client alive.
 * It is shared through `globalThis` by the ESM and CJS builds (both are often loaded, as the
 * context storage is), so that a client made through one counts for traces made through the
 * other; change the key if the shape below changes.
 */
interface Registry {
  /** Each PostHog client's entry, while it is alive. */
  readonly byPostHog: WeakMap<object, PostHogEntry>;
  /** The entries that may have live trackings, in the order of their first tracking. */
  readonly entries: Set<PostHogEntry>;
  /** Forgets a tracking once it is collected (where the runtime has FinalizationRegistry). */
  readonly finalizer: FinalizationRegistry<Registered> | undefined;
  /** Without a finalizer: registrations since the last sweep of collected trackings, and how many were alive then. */
  sinceSweep: number;
  afterSweep: number;
}

interface PostHogEntry {
  /** The trackings using this PostHog client, in the order they were created. */
  readonly trackings: Set<WeakRef<Tracking>>;
  /** The last of them: the one asked for, while it is alive, without going through all of them. */
  latest: WeakRef<Tracking>;
}

interface Registered {
  readonly entry: PostHogEntry;
  readonly ref: WeakRef<Tracking>;
}

const REGISTRY_KEY = Symbol.for('tracked-openai.live-clients.v1');

function sharedRegistry(): Registry | undefined {
  // Without WeakRef nothing can be held without keeping it alive: no registry, and an unattributed
  // trace event is not sent (such runtimes have no AsyncLocalStorage either, so no traces).
  if (typeof WeakRef !== 'function') return undefined;
  const holder = globalThis as { [REGISTRY_KEY]?: Registry };
  const existing = holder[REGISTRY_KEY];
  if (existing) return existing;
  const entries = new Set<PostHogEntry>();
  const created: Registry = {
    byPostHog: new WeakMap(),
    entries,
    finalizer:
      typeof FinalizationRegistry === 'function'
        ? new FinalizationRegistry<Registered>(({ entry, ref }) => {
            entry.trackings.delete(ref);
            if (entry.trackings.size === 0) entries.delete(entry);
          })
        : undefined,
    sinceSweep: 0,
    afterSweep: 0,
  };
  try {
    Object.defineProperty(holder, REGISTRY_KEY, { value: created, configurable: true, enumerable: false, writable: false });
  } catch {
    // A frozen globalThis: this copy keeps a registry of its own.
  }
  return created;
}

const registry = sharedRegistry();

function register(tracking: Tracking): void {
  if (!registry) return;
  const posthog = tracking.options.posthog as object;
  const ref = new WeakRef(tracking);
  let entry = registry.byPostHog.get(posthog);
  if (!entry) {
    entry = { trackings: new Set(), latest: ref };
    registry.byPostHog.set(posthog, entry);
  }
  entry.trackings.add(ref);
  entry.latest = ref;
  registry.entries.add(entry);
  if (registry.finalizer) {
    registry.finalizer.register(tracking, { entry, ref });
  } else if (++registry.sinceSweep > Math.max(64, registry.afterSweep)) {
    // No finalizer to forget collected trackings (Cloudflare Workers): a sweep each time as many
    // clients were made as were alive at the last one, which keeps the cost per client constant.
    registry.sinceSweep = 0;
    registry.afterSweep = 0;
    for (const swept of registry.entries) {
      for (const ref of swept.trackings) if (!ref.deref()) swept.trackings.delete(ref);
      if (swept.trackings.size === 0) registry.entries.delete(swept);
      registry.afterSweep += swept.trackings.size;
    }
  }
}

/** The most recently created tracking of `entry` still alive (forgetting collected ones on the way). */
function latestOf(entry: PostHogEntry): Tracking | undefined {
  let latest = entry.latest.deref();
  if (latest) return latest;
  for (const ref of entry.trackings) {
    const tracking = ref.deref();
    if (!tracking) entry.trackings.delete(ref);
    else {
      latest = tracking;
      entry.latest = ref;
    }
  }
  return latest;
}

/** Each PostHog client in use by a live tracked client: the latest such tracked client of each. */
function liveEntries(): Tracking[] {
  const live: Tracking[] = [];
  if (!registry) return live;
  for (const entry of registry.entries) {
    const latest = latestOf(entry);
    if (latest) live.push(latest);
    else registry.entries.delete(entry);
  }
  return live;
}

/**
 * When the live tracked clients use exactly one PostHog client, the most recently created of them
 * (one client, or several sharing a PostHog client: the common case); otherwise undefined.
 */
export function onlyPostHogTracking(): Tracking | undefined {
  const live = liveEntries();
  return live.length === 1 ? live[0] : undefined;
}

/** The most recently created live tracked client that uses `posthog`. */
export function latestTrackingOf(posthog: object): Tracking | undefined {
  const entry = registry?.byPostHog.get(posthog);
  return entry ? latestOf(entry) : undefined;
}

/** How many distinct PostHog clients the live tracked clients use. */
export function livePostHogCount(): number {
  return liveEntries().length;
}

/** The debug loggers of the live tracked clients, each once (clients sharing a logger share its wrapper). */
export function liveLoggers(): DebugLogger[] {
  const loggers = new Set<DebugLogger>();
  if (!registry) return [];
  for (const entry of registry.entries) {
    for (const ref of entry.trackings) {
      const log = ref.deref()?.options.log;
      if (log) loggers.add(log);
    }
  }
  return [...loggers];
}
