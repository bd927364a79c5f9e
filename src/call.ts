import type { BudgetTicket } from './budgets/budgets.js';
import { spentCostOf } from './budgets/cost.js';
import { isBudgetExceeded } from './budgets/error.js';
import type { PostHogCallOptions } from './call-options.js';
import { type ActiveContext, currentContext } from './context.js';
import { buildEvent, callCost, type CallOutcome, type CallPrice, type CallStart } from './events/build.js';
import { secretsOf, toolsWithoutCredentials } from './events/credentials.js';
import { detached, newCopying } from './events/detach.js';
import { sanitizeProperties } from './events/sanitize.js';
import { privacyModeOf } from './events/rules.js';
import { secondsBetween } from './events/seconds.js';
import type { Operation } from './operations/operation.js';
import type { ResolvedTrackingOptions } from './options.js';
import type { Endpoint } from './provider.js';
import { CallSpan } from './otel/call-span.js';
import type { PricingState } from './pricing/state.js';
import type { Tracking } from './tracking.js';

/**
 * One LLM call, from `create()` to its single event: what it was when it started, and its end. The
 * first ending reported wins; any later report (a retry of the same promise, a second way of
 * reading the same response) is ignored.
 */
export class TrackedCall implements CallStart {
  readonly startedAt: number;
  readonly context: ActiveContext | undefined;
  readonly privacyMode: boolean;
  readonly input: unknown;
  readonly tools: unknown[] | undefined;
  /** With the `otel` option: the call's OpenTelemetry span, ended with its event. */
  private readonly span: CallSpan | undefined;
  private ended = false;
  /** With the `budgets` option: the rules this call falls under, and its check (set by intercept/tracked-create.ts). */
  budget: BudgetTicket | undefined;

  constructor(
    readonly tracking: Tracking,
    readonly client: object,
    readonly endpoint: Endpoint,
    readonly operation: Operation,
    readonly body: Record<string, unknown>,
    readonly callOptions: PostHogCallOptions | undefined,
    readonly requestOptions: unknown,
  ) {
    this.startedAt = performance.now();
    this.context = currentContext();
    // Each trace or span around this call (the innermost and the ones around it) sends its own
    // event through this call's PostHog client, and keeps this client's credentials out of it.
    for (let scope = this.context?.scope; scope; scope = scope.parent) {
      scope.tracking ??= tracking;
      for (const secret of secretsOf(client)) scope.secrets.add(secret);
    }
    this.privacyMode = privacyModeOf(tracking.options, this.context, callOptions?.posthogPrivacyMode);
    // Copies: posthog-node serializes at flush time, after the caller may have added to its arrays.
    this.input = this.privacyMode ? null : operation.input(body);
    const tools = body.tools;
    this.tools = Array.isArray(tools) && tools.length > 0 ? toolsWithoutCredentials(tools) : undefined;
    // Started here, in create(): the caller's active span is its parent.
    const { otel } = tracking.options;
    this.span = otel ? CallSpan.start(otel, this) : undefined;
  }

  /** Runs the SDK's request for this call: with the call's span active, when there is one. */
  runRequest<R>(request: () => R): R {
    return this.span ? this.span.run(request) : request();
  }

  get options(): ResolvedTrackingOptions {
    return this.tracking.options;
  }

  get pricing(): PricingState {
    return this.tracking.pricing;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get captureImmediate(): boolean {
    const fromCall = this.callOptions?.posthogCaptureImmediate;
    return typeof fromCall === 'boolean' ? fromCall : this.tracking.options.captureImmediate;
  }

  /**
   * Records the end of the call and sends its event, built on copies of what the caller may change
   * once it has its result: in the next task (see `outbox.ts`), or at once when the call failed or
   * the caller waits for delivery (`captureImmediate`). Returns a promise only then (bounded); never throws.
   */
  end(outcome: CallOutcome): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    const latency = secondsBetween(this.startedAt, outcome.endedAt ?? performance.now());
    const immediate = this.captureImmediate;
    const { outbox } = this.tracking;
    // A failed call's event is built at once: its rejection may end the process (an un-awaited
    // call, under Node's default), and that event must be in PostHog's queue first.
    const failed = outcome.error !== undefined || outcome.aborted === true;
    const ended = this.detachedFromCaller(outcome);
    // What the caller gave can't be copied (a getter that throws): the event is built from it now,
    // and what it holds is copied as it is made safe.
    const start = ended?.start ?? this;
    const endedOutcome = ended?.outcome ?? outcome;
    const price = this.countSpend(start, endedOutcome);
    if (ended && !immediate && !failed && outbox.canWait) {
      outbox.add(() => this.send(start, endedOutcome, latency, false, false, price));
      return undefined;
    }
    // Events reach PostHog in the order their calls ended: the ones still waiting go first.
    outbox.drain();
    return this.send(start, endedOutcome, latency, immediate, !ended, price);
  }

  /**
   * Under a `block` rule: the call's spend counted now, as it ends, so that the next call's check
   * sees it (the rest of the event is built later). Returns the price, for the event.
   * Under `warn` rules only, the spend is counted with the event, off the caller's path.
   */
  private countSpend(start: CallStart, outcome: CallOutcome): CallPrice | undefined {
    const { budget } = this;
    const { budgets } = this.tracking;
    if (!budget?.checks || !budgets || isBudgetExceeded(outcome.error)) return undefined;
    try {
      const price = callCost(start, outcome);
      budgets.ended(budget, spentCostOf(price.properties, outcome.error !== undefined, outcome.stream !== undefined));
      return price;
    } catch (error) {
      budgets.ended(budget, { kind: 'unknown' });
      this.tracking.options.log?.('pricing the call for its budgets failed; its cost counts as unknown', error);
      return undefined;
    }
  }

  private send(start: CallStart, outcome: CallOutcome, latency: number, immediate: boolean, copy: boolean, price: CallPrice | undefined): Promise<void> | undefined {
    const { span, budget } = this;
    const { budgets } = this.tracking;
    // A call a budget blocked was never sent: its one event is `$ai_budget_blocked`.
    if (budget && budgets && isBudgetExceeded(outcome.error)) {
      budgets.blocked(budget, outcome.error);
      // Its span ends too, as a failed call (`error.type` BudgetExceededError).
      span?.end(outcome, undefined, latency, this.tracking.options.log);
      return undefined;
    }
    try {
      const event = buildEvent(start, outcome, latency, price, span?.eventProperties());
      // Counted here unless counted as the call ended (countSpend).
      if (budget && budgets) budgets.ended(budget, spentCostOf(event.properties, outcome.error !== undefined, outcome.stream !== undefined));
      span?.end(outcome, event.properties, latency, this.tracking.options.log);
      if (copy) event.properties = sanitizeProperties(event.properties, { copy: true }).properties;
      return this.tracking.sink.send(event, immediate);
    } catch (error) {
      if (budget && budgets) budgets.ended(budget, { kind: 'unknown' });
      span?.end(outcome, undefined, latency, this.tracking.options.log);
      this.tracking.options.log?.('building the event failed; the call is not tracked', error);
      return undefined;
    }
  }

  /**
   * The call as it ended, with copies of what belongs to the caller and is read when the event is
   * built: the input, the body's settings and the result (the per-call properties and groups were
   * copied as the call started).
   * Undefined when one of them can't be read (a throwing getter).
   */
  private detachedFromCaller(outcome: CallOutcome): { start: CallStart; outcome: CallOutcome } | undefined {
    try {
      // One bound for all of it.
      const copying = newCopying();
      const start: CallStart = {
        options: this.options,
        pricing: this.pricing,
        client: this.client,
        endpoint: this.endpoint,
        operation: this.operation,
        body: detached(this.body, copying),
        // Ours already: its objects were copied as the call started (`splitCallOptions`).
        callOptions: this.callOptions,
        context: this.context,
        startedAt: this.startedAt,
        privacyMode: this.privacyMode,
        input: detached(this.input, copying),
        tools: this.tools,
        requestOptions: this.requestOptions,
      };
      return { start, outcome: outcome.result ? { ...outcome, result: detached(outcome.result, copying) } : outcome };
    } catch {
      return undefined;
    }
  }
}
