import { boundedId } from '../events/ids.js';
import type { DebugLogger, ResolvedTrackingOptions, TrackedEvent } from '../options.js';
import type { PricingState } from '../pricing/state.js';
import type { PricingProvider } from '../pricing/types.js';
import { BudgetExceededError, type BudgetBlockReason } from './error.js';
import { estimateMicros } from './estimate.js';
import { budgetEventMessage } from './events.js';
import { type QueuedUpdate, StoreQueue } from './queue.js';
import type { ResolvedBudgets, ResolvedRule } from './rules.js';
import { type BudgetCounterState, type BudgetCounterUpdate, type MemoryCounter, type MemoryCounters, memoryCountersOf } from './store.js';
import type { BudgetEvent } from './types.js';
import { windowAt, windowName, type WindowSpan } from './windows.js';

/** What budgets read of a call when it starts (a `TrackedCall` is one). */
export interface BudgetedCall {
  readonly body: Record<string, unknown>;
  readonly callOptions: { posthogDistinctId?: unknown; posthogProperties?: unknown; posthogGroups?: unknown } | undefined;
  /** The `withTracking()` context the call was made in (the parts budgets read). */
  readonly context: { readonly distinctId?: string; readonly properties?: Record<string, unknown>; readonly groups?: Record<string, string | number> } | undefined;
}

/** What a call's end tells budgets: its cost in USD, unknown, or nothing to count (a failed call). */
export type SpentCost = { kind: 'known'; usd: number } | { kind: 'unknown' } | { kind: 'none' };

/** One scope's counter in a rule's window: its key, and with the memory store the counter itself. */
interface ScopeCounter {
  /** The same string for the same counter on every call: the store's look-up of it is then cheapest. */
  readonly key: string;
  /** The memory store's counter, kept while it is live (then a call needs no look-up in the store). */
  memory?: MemoryCounter;
}

/** A rule's current window, and its counters in it by scope key: kept until the window ends. */
interface RuleWindow {
  readonly span: WindowSpan;
  readonly keyPrefix: string;
  readonly counters: Map<string, ScopeCounter>;
}

/** The most counters kept per rule window (one per person, feature or group the rule has seen in it). */
const MAX_KEPT_COUNTERS = 10_000;

/** How long a counter is kept past its window's end: calls that started in it still end into it. */
const KEPT_AFTER_WINDOW_MS = 3_600_000;

/** One rule that applies to a call. */
interface TicketEntry {
  readonly rule: ResolvedRule;
  readonly scopeKey: string;
  readonly key: string;
  readonly span: WindowSpan;
  /** With the memory store: the counter, as it was live when the call started. */
  readonly memory: MemoryCounter | undefined;
  readonly estimateMicros: number;
  /** Held for the call while it runs, given back (or turned into its cost) when it ends. */
  reservedMicros: number;
}

/** A call's budgets: the rules that apply, and the check that gates its request, if any. */
export interface BudgetTicket {
  readonly entries: TicketEntry[];
  readonly distinctId: string | undefined;
  readonly groups: Record<string, string | number> | undefined;
  readonly model: string | undefined;
  /** A `block` rule applies: the call's spend is counted as it ends, before the next check (else with its event). */
  readonly checks: boolean;
  /** Its spend is counted (once, however many ways its end is reported). */
  counted: boolean;
  /** Settles before the request is sent: the error that blocks it, or undefined. */
  gate?: Promise<BudgetExceededError | undefined>;
  /** Settles once the store answered the check (its reservations are known). */
  checked?: Promise<unknown>;
}

interface Context {
  readonly entry: TicketEntry;
  readonly ticket: BudgetTicket;
}

/** What budgets use of the tracking they belong to. */
export interface BudgetHost {
  readonly options: ResolvedTrackingOptions;
  readonly pricing: PricingState;
  send(event: TrackedEvent): void;
}

function nonEmpty(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

function recordOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

function scopeName(rule: ResolvedRule): string {
  const { scope } = rule;
  if (typeof scope === 'string') return scope;
  return 'property' in scope ? `property:${scope.property}` : `group:${scope.group}`;
}

const toUsd = (micros: number): number => micros / 1e6;

/** The longest the local view of the store's counters grows before it starts again. */
const MAX_LOCAL_VIEW = 10_000;

/**
 * The budgets of one tracked client: which rules a call falls under, the check before its request
 * (may block it), its spend once its cost is known, and the alerts. Never throws into a call.
 */
export class Budgets {
  private readonly queue: StoreQueue<Context>;
  /** Each counter's total as the store last said (plus what this process added since): used when the store doesn't answer in time. */
  private readonly localView = new Map<string, number>();
  /** Each rule's current window (by the rule's index). */
  private readonly windows: Array<RuleWindow | undefined> = [];
  /** With the memory store: its counters, read by checks without a reservation and updated as calls end, directly. */
  private readonly memory: MemoryCounters | undefined;
  private storeDown = false;

  constructor(
    private readonly config: ResolvedBudgets,
    private readonly host: BudgetHost,
  ) {
    this.queue = new StoreQueue<Context>(config.store, (items, states) => this.answered(items, states), (error) => this.storeFailed(error), this.log);
    this.memory = memoryCountersOf(config.store);
  }

  private get log(): DebugLogger | undefined {
    return this.host.options.log;
  }

  /**
   * The rules that apply to a call and its scope keys; with a gate when a `block` rule must be
   * checked first. `provider`: whose prices a reservation's estimate uses.
   */
  admit(call: BudgetedCall, provider: PricingProvider): BudgetTicket | undefined {
    const now = Date.now();
    const { rules } = this.config;
    const { options } = this.host;
    const distinctId = this.distinctIdOf(call);
    const groups = this.groupsOf(call);
    const entries: TicketEntry[] = [];
    let checked: TicketEntry[] | undefined;
    let reserves = false;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const scopeKey = this.scopeKeyOf(rule, call, distinctId, groups);
      if (scopeKey === undefined) continue;
      const window = this.windowOf(i, now);
      const block = rule.action === 'block';
      const estimate = block && rule.reserve ? estimateMicros(call.body, provider, options.pricing, this.host.pricing) : 0;
      const counter = this.counterOf(window, scopeKey, now);
      const entry: TicketEntry = { rule, scopeKey, key: counter.key, span: window.span, memory: counter.memory, estimateMicros: estimate, reservedMicros: 0 };
      entries.push(entry);
      if (block) (checked ??= []).push(entry);
      if (estimate > 0) reserves = true;
    }
    if (entries.length === 0) return undefined;
    const model = typeof call.body.model === 'string' ? call.body.model : undefined;
    const ticket: BudgetTicket = { entries, distinctId, groups, model, checks: checked !== undefined, counted: false };
    if (!checked) return ticket;
    const { memory } = this;
    if (memory && !reserves) {
      // The memory store, nothing to reserve: the check only reads the counters.
      for (const entry of checked) {
        const spent = entry.memory!.micros;
        if (spent < entry.rule.limitMicros) continue;
        ticket.gate = Promise.resolve(this.exceeded(entry, spent, 'limit'));
        break;
      }
      return ticket;
    }

    const items: QueuedUpdate<Context>[] = [];
    for (const entry of checked) items.push({ update: this.update(entry, 0, 0, entry.estimateMicros), context: { entry, ticket } });
    if (this.queue.synchronous) {
      const states = this.queue.updateNow(items);
      const blocked = this.verdict(ticket, checked, states);
      if (blocked) ticket.gate = Promise.resolve(blocked);
      return ticket;
    }
    const answer = this.queue.check(items);
    ticket.checked = answer;
    ticket.gate = new Promise<BudgetExceededError | undefined>((settle) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        if (!this.storeDown) this.log?.(`budgets: the store did not answer within ${this.config.waitMs} ms`);
        settle(this.verdict(ticket, checked, undefined));
      }, this.config.waitMs);
      answer.then((states) => {
        if (done) {
          // Too late for this call, which went on: its reservations still count, and are given back when it ends.
          if (states) this.reservationsMade(checked, states);
          return;
        }
        clearTimeout(timer);
        settle(this.verdict(ticket, checked, states));
      });
    });
    return ticket;
  }

  /** A call's end: its cost added to each of its counters (less what it had reserved), once. */
  ended(ticket: BudgetTicket, cost: SpentCost): void {
    if (ticket.counted) return;
    ticket.counted = true;
    if (ticket.checked) ticket.checked.then(() => this.record(ticket, cost));
    else this.record(ticket, cost);
  }

  private record(ticket: BudgetTicket, cost: SpentCost): void {
    const { memory } = this;
    const now = memory ? Date.now() : 0;
    const items: QueuedUpdate<Context>[] = [];
    for (const entry of ticket.entries) {
      const reserved = entry.reservedMicros;
      entry.reservedMicros = 0;
      let addMicros = 0;
      let addUnknown = 0;
      if (cost.kind === 'known') addMicros = Math.round(cost.usd * 1e6) - reserved;
      else if (cost.kind === 'unknown') addUnknown = 1; // its reservation, if any, stays as its cost
      else addMicros = -reserved;
      if (addMicros === 0 && addUnknown === 0) continue;
      const update = this.update(entry, addMicros, addUnknown, 0);
      // The memory store: each counter updated at once, no batch.
      if (memory) this.answeredOne(entry, ticket, memory.updateCounter(entry.memory!, update, now));
      else items.push({ update, context: { entry, ticket } });
    }
    this.queue.record(items);
  }

  /** A call the gate stopped: one event saying so. */
  blocked(ticket: BudgetTicket, error: BudgetExceededError): void {
    const entry = ticket.entries.find((candidate) => candidate.rule.name === error.rule);
    if (!entry) return;
    this.emit(ticket, entry, { type: 'blocked', spendUsd: error.spendUsd, reason: error.reason });
  }

  private update(entry: TicketEntry, addMicros: number, addUnknown: number, reserveMicros: number): BudgetCounterUpdate {
    const { rule } = entry;
    return {
      key: entry.key,
      addMicros,
      addUnknown,
      reserveMicros,
      limitMicros: rule.limitMicros,
      thresholdMicros: rule.thresholdMicros,
      expiresAtMs: entry.span.endMs + KEPT_AFTER_WINDOW_MS,
    };
  }

  /** Rule `index`'s window at `now`: worked out again only once the one kept has ended. */
  private windowOf(index: number, now: number): RuleWindow {
    const kept = this.windows[index];
    if (kept && now >= kept.span.startMs && now < kept.span.endMs) return kept;
    const rule = this.config.rules[index]!;
    const span = windowAt(rule.window, now);
    const current: RuleWindow = { span, keyPrefix: `${rule.name}:${span.startMs}:`, counters: new Map() };
    this.windows[index] = current;
    return current;
  }

  /** The counter of `scopeKey` in a rule's window (with the memory store, live at `now`). */
  private counterOf(window: RuleWindow, scopeKey: string, now: number): ScopeCounter {
    let counter = window.counters.get(scopeKey);
    if (counter === undefined) {
      if (window.counters.size >= MAX_KEPT_COUNTERS) window.counters.clear();
      counter = { key: window.keyPrefix + boundedId(scopeKey) };
      window.counters.set(scopeKey, counter);
    }
    const { memory } = this;
    if (memory && !(counter.memory && counter.memory.expiresAtMs > now)) {
      counter.memory = memory.counter(counter.key, window.span.endMs + KEPT_AFTER_WINDOW_MS, now);
    }
    return counter;
  }

  /** The error that blocks the call, from the store's answer (undefined: it didn't answer in time). */
  private verdict(ticket: BudgetTicket, entries: TicketEntry[], states: readonly BudgetCounterState[] | undefined): BudgetExceededError | undefined {
    let blocked: BudgetExceededError | undefined;
    if (states) this.reservationsMade(entries, states);
    for (let i = 0; i < entries.length && !blocked; i++) {
      const entry = entries[i]!;
      const { rule } = entry;
      const state = states?.[i];
      const spent = state ? state.micros - entry.reservedMicros : (this.localView.get(entry.key) ?? 0);
      let reason: BudgetBlockReason | undefined;
      if (spent >= rule.limitMicros) reason = 'limit';
      else if (state && entry.estimateMicros > 0 && !state.reserved) reason = 'reservation';
      else if (!state && this.config.failClosed) reason = 'store_unavailable';
      if (reason) blocked = this.exceeded(entry, spent, reason);
    }
    if (blocked) {
      // Blocked by one rule: what the others reserved for it is given back.
      this.ended(ticket, { kind: 'none' });
    }
    return blocked;
  }

  private reservationsMade(entries: TicketEntry[], states: readonly BudgetCounterState[]): void {
    for (let i = 0; i < entries.length; i++) {
      if (states[i]?.reserved) entries[i]!.reservedMicros = entries[i]!.estimateMicros;
    }
  }

  private exceeded(entry: TicketEntry, spentMicros: number, reason: BudgetBlockReason): BudgetExceededError {
    return new BudgetExceededError({
      rule: entry.rule.name,
      scope: scopeName(entry.rule),
      scopeKey: entry.scopeKey,
      spendUsd: toUsd(spentMicros),
      limitUsd: entry.rule.limitUsd,
      resetsAt: new Date(entry.span.endMs),
      reason,
    });
  }

  /** The store's answer to a batch: the local view, and the alerts this process is the one to send. */
  private answered(items: readonly QueuedUpdate<Context>[], states: readonly BudgetCounterState[]): void {
    if (this.storeDown) this.log?.('budgets: the store answers again');
    this.storeDown = false;
    if (this.localView.size > MAX_LOCAL_VIEW) this.localView.clear();
    for (let i = 0; i < items.length; i++) {
      const state = states[i];
      if (!state) continue;
      const { entry, ticket } = items[i]!.context;
      // A synchronous store always answers: it needs no local view.
      if (!this.queue.synchronous) this.localView.set(entry.key, state.micros);
      this.answeredOne(entry, ticket, state);
    }
  }

  /** The alerts a counter's new state says this process is the one to send. */
  private answeredOne(entry: TicketEntry, ticket: BudgetTicket, state: BudgetCounterState): void {
    if (state.alerted !== 0) {
      entry.rule.thresholds.forEach((threshold, bit) => {
        if ((state.alerted & (1 << bit)) !== 0) this.emit(ticket, entry, { type: 'threshold', threshold, spendUsd: toUsd(state.micros), unknownCostCalls: state.unknown });
      });
    }
    if (state.unknownAlerted) this.emit(ticket, entry, { type: 'unknown_cost', spendUsd: toUsd(state.micros), unknownCostCalls: state.unknown });
  }

  private storeFailed(error: unknown): void {
    if (this.storeDown) return;
    this.storeDown = true;
    const then = this.config.failClosed ? 'calls under block rules are blocked' : 'calls go ahead';
    // One line per outage, whatever `debug` says: budgets are not enforced meanwhile.
    console.warn(`[tracked-openai] budgets: the store failed (${error instanceof Error ? error.message : String(error)}); ${then}, and spend waits in memory until it answers`);
  }

  private emit(ticket: BudgetTicket, entry: TicketEntry, details: Pick<BudgetEvent, 'type' | 'spendUsd'> & Partial<BudgetEvent>): void {
    const { rule } = entry;
    const event: BudgetEvent = {
      rule: rule.name,
      scope: scopeName(rule),
      scopeKey: entry.scopeKey,
      limitUsd: rule.limitUsd,
      action: rule.action,
      window: windowName(rule.window),
      windowStart: new Date(entry.span.startMs),
      resetsAt: new Date(entry.span.endMs),
      unknownCostCalls: 0,
      ...details,
    };
    if (ticket.distinctId !== undefined) event.distinctId = ticket.distinctId;
    if (ticket.model !== undefined) event.model = ticket.model;
    try {
      this.host.send(budgetEventMessage(event, ticket.groups));
    } catch (error) {
      this.log?.('could not send the budget event', error);
    }
    const hook = this.config.onBudgetEvent;
    if (!hook) return;
    try {
      hook(event);
    } catch (error) {
      this.log?.('onBudgetEvent threw', error);
    }
  }

  /** The person of the call, as its event names them (the same order as `buildEvent`'s). */
  private distinctIdOf(call: BudgetedCall): string | undefined {
    return (
      nonEmpty(call.callOptions?.posthogDistinctId) ??
      nonEmpty(call.context?.distinctId) ??
      this.host.options.distinctId ??
      nonEmpty(call.body.user) ??
      nonEmpty(call.body.safety_identifier)
    );
  }

  private groupsOf(call: BudgetedCall): Record<string, string | number> | undefined {
    const fromCall = recordOf(call.callOptions?.posthogGroups) as Record<string, string | number> | undefined;
    const { groups } = this.host.options;
    if (!fromCall && !call.context?.groups) return groups;
    return { ...groups, ...call.context?.groups, ...fromCall };
  }

  private scopeKeyOf(rule: ResolvedRule, call: BudgetedCall, distinctId: string | undefined, groups: Record<string, unknown> | undefined): string | undefined {
    const { scope } = rule;
    if (scope === 'client') return 'all';
    if (scope === 'distinctId') return distinctId;
    if ('group' in scope) return nonEmpty(groups?.[scope.group]);
    const name = scope.property;
    return (
      nonEmpty(recordOf(call.callOptions?.posthogProperties)?.[name]) ??
      nonEmpty(call.context?.properties?.[name]) ??
      nonEmpty(this.host.options.properties?.[name])
    );
  }
}
