import { prepareProperties } from './events/sanitize.js';
import type { ResolvedTrackingOptions, TrackedEvent } from './options.js';

/** One event as posthog-node's `capture()` takes it. */
export type CaptureMessage = TrackedEvent;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Hands events to the injected PostHog client. Nothing here throws or rejects: PostHog being down,
 * slow or rejecting is reported through the debug log and never reaches the caller.
 */
export class Sink {
  constructor(private readonly options: ResolvedTrackingOptions) {}

  /**
   * Queues the event (posthog-node batches and delivers it in the background), or, when `immediate`,
   * sends it now and returns a promise that settles when it is delivered or after
   * `immediateTimeoutMs`, whichever comes first. That promise never rejects.
   */
  send(built: CaptureMessage, immediate: boolean): Promise<void> | undefined {
    const { posthog, log } = this.options;
    const message = this.finalize(built);
    if (!message) return undefined;
    log?.(`${message.event} ${String(message.properties.$ai_model ?? message.properties.$ai_span_name ?? '')}`, message);
    try {
      if (immediate) {
        const delivery = this.deliverNow(message);
        if (delivery) return this.bounded(delivery);
      }
      const queued = posthog.capture(message);
      if (isThenable(queued)) queued.then(undefined, (error) => log?.('capture() failed', error));
    } catch (error) {
      log?.('capture() threw; the event was dropped', error);
    }
    return undefined;
  }

  /**
   * The user's `redact` hook, then what every event needs: serializable, no inline media, under
   * the size limit. Undefined when the event is dropped.
   */
  private finalize(built: CaptureMessage): CaptureMessage | undefined {
    const { redact, maxEventBytes, log } = this.options;
    let message = built;
    if (redact) {
      let redacted: unknown;
      try {
        redacted = redact(message);
      } catch (error) {
        log?.('the redact hook threw; the event was dropped', error);
        return undefined;
      }
      if (redacted === null) return undefined;
      if (
        redacted === undefined ||
        typeof redacted !== 'object' ||
        typeof (redacted as CaptureMessage).event !== 'string' ||
        typeof (redacted as CaptureMessage).distinctId !== 'string'
      ) {
        log?.('the redact hook must return the event or null; the event was dropped');
        return undefined;
      }
      message = redacted as CaptureMessage;
    }
    const properties = prepareProperties(message.properties ?? {}, maxEventBytes);
    return properties === message.properties ? message : { ...message, properties };
  }

  /** Starts an immediate delivery, or returns undefined when the client has no way to do one. */
  private deliverNow(message: CaptureMessage): Promise<unknown> | undefined {
    const { posthog } = this.options;
    if (typeof posthog.captureImmediate === 'function' && !this.captureImmediateResolvesEarly()) {
      return posthog.captureImmediate(message);
    }
    if (typeof posthog.flush === 'function') {
      posthog.capture(message);
      return posthog.flush();
    }
    return undefined;
  }

  /**
   * posthog-node 4's `captureImmediate()` resolves before it has sent the event (it does not await
   * its own send), so waiting on it waits for nothing. With 4.x, queue the event and flush instead.
   */
  private captureImmediateResolvesEarly(): boolean {
    if (this.legacyImmediate === undefined) {
      const version = this.options.posthog.getLibraryVersion?.();
      this.legacyImmediate = typeof version === 'string' && version.startsWith('4.');
    }
    return this.legacyImmediate;
  }

  private legacyImmediate: boolean | undefined;

  private bounded(delivery: Promise<unknown>): Promise<void> {
    const { immediateTimeoutMs, log } = this.options;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log?.(`captureImmediate() took longer than ${immediateTimeoutMs} ms; not waiting for it any more`);
        resolve();
      }, immediateTimeoutMs);
      timer.unref?.();
      Promise.resolve(delivery).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          log?.('captureImmediate() failed', error);
          resolve();
        },
      );
    });
  }
}
