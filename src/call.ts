import type { PostHogCallOptions } from './call-options.js';
import { type ActiveContext, currentContext } from './context.js';
import { buildEvent, type CallOutcome, type CallStart } from './events/build.js';
import { secretsOf, toolsWithoutCredentials } from './events/credentials.js';
import { privacyModeOf } from './events/rules.js';
import { secondsBetween } from './events/seconds.js';
import type { Operation } from './operations/operation.js';
import type { ResolvedTrackingOptions } from './options.js';
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
  private ended = false;

  constructor(
    readonly tracking: Tracking,
    readonly client: object,
    readonly operation: Operation,
    readonly body: Record<string, unknown>,
    readonly callOptions: PostHogCallOptions | undefined,
    readonly requestHeaders: unknown,
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
   * Records the end of the call and sends its event. Returns a promise only when the event is
   * delivered immediately and the caller should wait for it (bounded); never throws.
   */
  end(outcome: CallOutcome): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    try {
      const event = buildEvent(this, outcome, secondsBetween(this.startedAt, outcome.endedAt ?? performance.now()));
      return this.tracking.sink.send(event, this.captureImmediate);
    } catch (error) {
      this.tracking.options.log?.('building the event failed; the call is not tracked', error);
      return undefined;
    }
  }
}
