import type { DebugLogger } from '../options.js';
import type { BudgetCounterState, BudgetCounterUpdate, BudgetStore } from './store.js';

/** An update and what it is about, so that the answer can be acted on (alerts, the local view). */
export interface QueuedUpdate<Context> {
  readonly update: BudgetCounterUpdate;
  readonly context: Context;
}

/** The most counters whose spend waits for an unavailable store; past it, new counters' spend is dropped (and logged). */
const MAX_PENDING_COUNTERS = 10_000;
/** How long after a failed round trip the spend waiting for the store is tried again, when no call does it sooner. */
const RETRY_MS = 1000;

const nextTask: (run: () => void) => void = typeof setImmediate === 'function' ? (run) => setImmediate(run) : (run) => setTimeout(run, 0);

/**
 * Sends a store its updates, one batch at a time, so that a call costs at most one round trip: the
 * spend of calls that ended rides with the next call's check, or goes alone in the next task.
 * While a batch is in flight, spend waits here merged per counter (bounded), and checks wait for
 * the next batch. A batch that fails gives its spend back to wait for the next one: spend recorded
 * while the store is away is added once it answers again.
 *
 * A synchronous store (memory) is updated at once and nothing waits.
 */
export class StoreQueue<Context> {
  private pending = new Map<string, QueuedUpdate<Context>>();
  private checks: Array<{ items: QueuedUpdate<Context>[]; settle: (states: readonly BudgetCounterState[] | undefined) => void }> = [];
  private inFlight = false;
  private scheduled = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private droppedLogged = false;

  constructor(
    private readonly store: BudgetStore,
    private readonly answered: (items: readonly QueuedUpdate<Context>[], states: readonly BudgetCounterState[]) => void,
    private readonly failed: (error: unknown) => void,
    private readonly log: DebugLogger | undefined,
  ) {}

  get synchronous(): boolean {
    return this.store.synchronous === true;
  }

  /** Adds spend: at once to a synchronous store, else with the next batch. */
  record(items: readonly QueuedUpdate<Context>[]): void {
    if (items.length === 0) return;
    if (this.synchronous) {
      this.updateNow(items);
      return;
    }
    for (const item of items) this.merge(item);
    this.schedule();
  }

  /** A synchronous store's answer to `items`, at once; undefined when it failed. */
  updateNow(items: readonly QueuedUpdate<Context>[]): readonly BudgetCounterState[] | undefined {
    try {
      const states = this.store.update(items.map((item) => item.update));
      if (!Array.isArray(states) || states.length !== items.length) throw new Error('the budget store answered with the wrong number of counters');
      this.answered(items, states);
      return states;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** The store's answer to `items`, with the next batch; undefined when the store failed. Never rejects. */
  check(items: QueuedUpdate<Context>[]): Promise<readonly BudgetCounterState[] | undefined> {
    return new Promise((settle) => {
      this.checks.push({ items, settle });
      this.schedule();
    });
  }

  private merge(item: QueuedUpdate<Context>): void {
    const { update } = item;
    const waiting = this.pending.get(update.key);
    if (waiting) {
      const sum: BudgetCounterUpdate = {
        ...update,
        addMicros: waiting.update.addMicros + update.addMicros,
        addUnknown: waiting.update.addUnknown + update.addUnknown,
      };
      this.pending.set(update.key, { update: sum, context: item.context });
      return;
    }
    if (this.pending.size >= MAX_PENDING_COUNTERS) {
      if (!this.droppedLogged) this.log?.(`budgets: ${MAX_PENDING_COUNTERS} counters already wait for the store; spend of further counters is dropped until it answers`);
      this.droppedLogged = true;
      return;
    }
    this.pending.set(update.key, item);
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    // The next task: calls ending or starting in this one join the same batch.
    nextTask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inFlight || (this.pending.size === 0 && this.checks.length === 0)) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const records = [...this.pending.values()];
    this.pending.clear();
    const checks = this.checks;
    this.checks = [];
    const items = [...records, ...checks.flatMap((check) => check.items)];
    this.inFlight = true;
    let answer: Promise<readonly BudgetCounterState[]>;
    try {
      answer = Promise.resolve(this.store.update(items.map((item) => item.update)));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .then((states) => {
        if (!Array.isArray(states) || states.length !== items.length) throw new Error('the budget store answered with the wrong number of counters');
        return states;
      })
      .then(
        (states) => {
          this.inFlight = false;
          this.droppedLogged = false;
          try {
            this.answered(items, states);
          } finally {
            let offset = records.length;
            for (const check of checks) {
              check.settle(states.slice(offset, offset + check.items.length));
              offset += check.items.length;
            }
            this.schedule();
          }
        },
        (error: unknown) => {
          this.inFlight = false;
          // Not applied: the spend waits for the next batch. (Checks are not retried: their calls went on.)
          for (const record of records) this.merge(record);
          for (const check of checks) check.settle(undefined);
          this.failed(error);
          if (this.pending.size > 0 && !this.retry) {
            this.retry = setTimeout(() => {
              this.retry = undefined;
              this.schedule();
            }, RETRY_MS);
            (this.retry as { unref?: () => void }).unref?.();
          }
          if (this.checks.length > 0) this.schedule();
        },
      );
  }
}
