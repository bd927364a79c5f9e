/**
 * Where budgets keep spend: counters in integer micro-USD, one per rule, scope and window. A store
 * applies a batch of updates atomically and answers with each counter's state after its update:
 * one call per batch, so one round trip for a remote store.
 */

/** One counter's change. Its key names rule, scope and window; `expiresAtMs` is when it may be forgotten. */
export interface BudgetCounterUpdate {
  readonly key: string;
  /** Micro-USD added unconditionally (negative: a reservation given back). */
  readonly addMicros: number;
  /** Calls whose cost is not known, added. */
  readonly addUnknown: number;
  /** Micro-USD added only if the total stays at or below `limitMicros` (a reservation); 0 for none. */
  readonly reserveMicros: number;
  readonly limitMicros: number;
  /** The totals (ascending) at which an alert is due, once each per counter. */
  readonly thresholdMicros: readonly number[];
  readonly expiresAtMs: number;
}

/** A counter after its update. */
export interface BudgetCounterState {
  /** Its total, in micro-USD. */
  readonly micros: number;
  /** Its calls of unknown cost. */
  readonly unknown: number;
  /** Bit i set: threshold i was reached by this update and nobody alerted it before (so this caller alerts it). */
  readonly alerted: number;
  /** The first unknown-cost call of this counter: this caller reports it. */
  readonly unknownAlerted: boolean;
  /** The reservation was made (false: it would have gone past the limit, and was not). */
  readonly reserved: boolean;
}

/** A store: `memoryBudgetStore()`, `redisBudgetStore(client)`, or your own. */
export interface BudgetStore {
  /** Applies the updates in order, atomically, and returns each counter's state after its update. */
  update(updates: readonly BudgetCounterUpdate[]): readonly BudgetCounterState[] | Promise<readonly BudgetCounterState[]>;
  /** `update()` answers at once (an array, not a promise): checks add no wait, and nothing is batched. */
  readonly synchronous?: boolean;
}

/** One counter of a memory store. */
export interface MemoryCounter {
  micros: number;
  unknown: number;
  alerted: number;
  unknownAlerted: boolean;
  expiresAtMs: number;
}

/** How often expired counters are swept out of a memory store. */
const SWEEP_EVERY_MS = 60_000;

/** Applies one update to a counter (memory store); shared in meaning with the Redis script. */
function apply(counter: MemoryCounter, update: BudgetCounterUpdate): BudgetCounterState {
  counter.micros += update.addMicros;
  let reserved = false;
  if (update.reserveMicros > 0 && counter.micros + update.reserveMicros <= update.limitMicros) {
    counter.micros += update.reserveMicros;
    reserved = true;
  }
  counter.unknown += update.addUnknown;
  let alerted = 0;
  const thresholds = update.thresholdMicros;
  for (let i = 0; i < thresholds.length; i++) {
    const bit = 1 << i;
    if (counter.micros >= thresholds[i]! && (counter.alerted & bit) === 0) {
      counter.alerted |= bit;
      alerted |= bit;
    }
  }
  const unknownAlerted = counter.unknown > 0 && !counter.unknownAlerted;
  if (unknownAlerted) counter.unknownAlerted = true;
  counter.expiresAtMs = Math.max(counter.expiresAtMs, update.expiresAtMs);
  return { micros: counter.micros, unknown: counter.unknown, alerted, unknownAlerted, reserved };
}

/**
 * The counters of a memory store. Budgets use a memory store directly (see `memoryCountersOf`):
 * a check that reserves nothing only reads a counter, and spend is added one counter at a time,
 * without the batches a remote store needs.
 */
export class MemoryCounters {
  private readonly counters = new Map<string, MemoryCounter>();
  private nextSweep = Date.now() + SWEEP_EVERY_MS;

  /**
   * The counter of `key`: a new one, kept at least until `expiresAtMs`, when it has none or it
   * expired. A counter stays this store's as long as it is live: only expired ones are replaced or
   * swept out, so a caller may keep it and update it directly (`updateCounter`) until then.
   */
  counter(key: string, expiresAtMs: number, nowMs: number): MemoryCounter {
    if (nowMs >= this.nextSweep) {
      this.nextSweep = nowMs + SWEEP_EVERY_MS;
      for (const [kept, counter] of this.counters) if (counter.expiresAtMs <= nowMs) this.counters.delete(kept);
    }
    let counter = this.counters.get(key);
    if (!counter || counter.expiresAtMs <= nowMs) {
      counter = { micros: 0, unknown: 0, alerted: 0, unknownAlerted: false, expiresAtMs };
      this.counters.set(key, counter);
    }
    return counter;
  }

  /** One update, applied at once. */
  update(update: BudgetCounterUpdate, nowMs: number): BudgetCounterState {
    return apply(this.counter(update.key, update.expiresAtMs, nowMs), update);
  }

  /** One update of a counter `counter()` gave: to it directly while it is live, else as `update()` does. */
  updateCounter(counter: MemoryCounter, update: BudgetCounterUpdate, nowMs: number): BudgetCounterState {
    return counter.expiresAtMs > nowMs ? apply(counter, update) : this.update(update, nowMs);
  }
}

/** Each memory store's counters. */
const memoryStores = new WeakMap<BudgetStore, MemoryCounters>();

/** The counters of a store made by `memoryBudgetStore()`; undefined for any other store. */
export function memoryCountersOf(store: BudgetStore): MemoryCounters | undefined {
  return memoryStores.get(store);
}

/**
 * Spend kept in this process: exact, synchronous (a budget check adds no wait), gone when the
 * process ends. Counters are forgotten once their window has ended. One store can serve several
 * clients (pass the same one to each): they then share their budgets.
 */
export function memoryBudgetStore(): BudgetStore {
  const counters = new MemoryCounters();
  const store: BudgetStore = {
    synchronous: true,
    update(updates) {
      const now = Date.now();
      return updates.map((update) => counters.update(update, now));
    },
  };
  memoryStores.set(store, counters);
  return store;
}
