import { type Backlog, backlogOf, MAX_IMMEDIATE_IN_FLIGHT } from './backlog.js';
import { readOr } from './safe-read.js';
import { boundedId } from './events/ids.js';
import { fitProperties, jsonBytes, sanitizeProperties, withoutContent } from './events/sanitize.js';
import type { ResolvedTrackingOptions, TrackedEvent } from './options.js';
import { logDeliveryErrors } from './posthog-errors.js';

/** One event as posthog-node's `capture()` takes it. */
export type CaptureMessage = TrackedEvent;

/** Whether a `major.minor.patch` version is older than `than`; false when it can't be read. */
function isBefore(version: string, than: readonly [number, number, number]): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < 3; i++) {
    const part = parts[i];
    if (part === undefined || Number.isNaN(part)) return false;
    if (part !== than[i]) return part < than[i]!;
  }
  return false;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * The event as the `redact` hook gets it: its properties as made safe (a copy, so that a hook that
 * masks in place changes the event and never the caller's messages or the SDK's result).
 */
function copyForRedact(message: CaptureMessage, safe: Record<string, unknown>): CaptureMessage {
  return { ...message, properties: safe, ...(message.groups ? { groups: { ...message.groups } } : {}) };
}

/** What posthog-node adds to each event it queues (its library properties, uuid, timestamp, type), counted toward `maxQueuedBytes`. */
const ENVELOPE_BYTES = 256;

/** PostHog has 5 group types per project: more than this many in one event is a mistake, not data. */
const MAX_GROUP_TYPES = 20;

/** `groups` with ids of a bounded length, and not too many of them. */
function boundedGroups(groups: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(groups)
      .slice(0, MAX_GROUP_TYPES)
      .map(([type, key]) => [boundedId(type), typeof key === 'string' ? boundedId(key) : key]),
  );
}

/** What the size limit leaves for the properties once the event's name, distinct id and groups are in (UTF-16 units: at most 3 bytes each). */
function roomForProperties(event: string, distinctId: string, groups: object | undefined, maxEventBytes: number): number {
  return maxEventBytes - 3 * (event.length + distinctId.length + (groups ? JSON.stringify(groups).length : 0));
}

/**
 * Hands events to the injected PostHog client. Nothing here throws or rejects: PostHog being down,
 * slow or rejecting is reported through the debug log and never reaches the caller.
 */
export class Sink {
  private readonly backlog: Backlog;

  constructor(private readonly options: ResolvedTrackingOptions) {
    if (options.log) logDeliveryErrors(options.posthog, options.log);
    this.backlog = backlogOf(options.posthog);
  }

  private warnedDisabled = false;
  private warnedBusy = false;

  /**
   * Queues the event (posthog-node batches and delivers it in the background), or, when `immediate`,
   * sends it now and returns a promise that settles when it is delivered or after
   * `immediateTimeoutMs`, whichever comes first. That promise never rejects. The event's data must
   * be the tracking's own, not the caller's (see `events/detach.ts`): posthog-node holds it until
   * it sends it, and it is not copied here.
   */
  send(built: CaptureMessage, immediate: boolean): Promise<void> | undefined {
    const { posthog, log } = this.options;
    const finalized = this.finalize(built);
    if (!finalized) return undefined;
    const { message, bytes } = finalized;
    // The event as it is sent: after the redact hook, privacy mode and the size limit.
    log?.(`${message.event} ${String(message.properties.$ai_model ?? message.properties.$ai_span_name ?? '')}`, message);
    if (log && !this.warnedDisabled && readOr(posthog, 'disabled', undefined) === true) {
      this.warnedDisabled = true;
      log('the PostHog client is disabled (it was given no project API key, or `disabled: true`): it sends no events');
    }
    try {
      if (immediate) {
        const delivery = this.backlog.startImmediate(() => this.deliverNow(message, bytes));
        if (delivery) return this.bounded(delivery);
        if (log && !this.warnedBusy && this.backlog.immediateInFlight >= MAX_IMMEDIATE_IN_FLIGHT) {
          this.warnedBusy = true;
          log(`${MAX_IMMEDIATE_IN_FLIGHT} immediate deliveries are still in flight (PostHog is slow or down): further events go through posthog-node's queue, and calls don't wait for them`);
        }
      }
      this.enqueue(message, bytes);
    } catch (error) {
      log?.('capture() threw; the event was dropped', error);
    }
    return undefined;
  }

  /**
   * What every event needs before it is sent: made safe (serializable, no inline media; all of it
   * copied when the `redact` hook gets it), ids of a bounded length, the whole under the size limit.
   * Undefined when the event is dropped; `bytes`: an estimate of its size.
   */
  private finalize(built: CaptureMessage): { message: CaptureMessage; bytes: number } | undefined {
    const { redact, maxEventBytes, log } = this.options;
    let message = built;
    // A hook may change the event in place: it gets a copy of everything, never data the event shares.
    let { properties: safe, chars } = sanitizeProperties(built.properties ?? {}, { copy: redact !== undefined });
    if (redact) {
      let redacted: unknown;
      try {
        redacted = redact(copyForRedact(message, safe));
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
      // The hook may have put anything in.
      ({ properties: safe, chars } = sanitizeProperties(message.properties ?? {}, { copy: true }));
    }
    const distinctId = boundedId(message.distinctId);
    const groups = message.groups && boundedGroups(message.groups);
    const properties = fitProperties(safe, chars, roomForProperties(message.event, distinctId, groups, maxEventBytes), maxEventBytes);
    // One copy, ours to finish (enqueue adds its uuid): the redact hook's object is never changed.
    const sent: CaptureMessage = { ...message, distinctId, properties };
    if (groups) sent.groups = groups;
    return { message: sent, bytes: Math.min(chars, maxEventBytes) };
  }

  /**
   * Hands the event to posthog-node's queue, whole while what PostHog has not taken yet is under
   * half of `maxQueuedBytes`, then without its input and output up to `maxQueuedBytes`, then not at
   * all: an outage costs a bounded amount of memory.
   */
  private enqueue(message: CaptureMessage, bytes: number): void {
    const { posthog, log, maxQueuedBytes } = this.options;
    let queued = message;
    let queuedBytes = bytes + ENVELOPE_BYTES;
    if (!this.backlog.hasRoom(queuedBytes, maxQueuedBytes / 2)) {
      const properties = withoutContent(message.properties, '[removed: PostHog was not taking events]');
      queuedBytes = jsonBytes(properties) + ENVELOPE_BYTES;
      if (!this.backlog.hasRoom(queuedBytes, maxQueuedBytes)) {
        this.backlog.holdingBack('dropped', maxQueuedBytes, log);
        return;
      }
      this.backlog.holdingBack('without_content', maxQueuedBytes, log);
      queued = { ...message, properties };
    }
    const uuid = this.backlog.enqueued(queuedBytes);
    if (uuid !== undefined) (queued as CaptureMessage & { uuid?: string }).uuid = uuid;
    const result = posthog.capture(queued);
    if (isThenable(result)) result.then(undefined, (error) => log?.('capture() failed', error));
  }

  /** Starts an immediate delivery, or returns undefined when the client has no way to do one. */
  private deliverNow(message: CaptureMessage, bytes: number): Promise<unknown> | undefined {
    const { posthog } = this.options;
    if (typeof posthog.captureImmediate === 'function' && !this.captureImmediateResolvesEarly()) {
      return posthog.captureImmediate(message);
    }
    const flush = posthog.flush;
    if (typeof flush === 'function') {
      this.enqueue(message, bytes);
      // posthog-node 4 queues a captured event a few promise turns after capture(), and its flush()
      // does not wait for captures in flight: flush once the event is in the queue.
      return new Promise((resolve) => setTimeout(resolve, 0)).then(() => flush.call(posthog));
    }
    return undefined;
  }

  /**
   * posthog-node's `captureImmediate()` resolved before it had sent the event (it did not await its
   * own send) in every 4.x that has it and up to 5.8.0, so waiting on it waited for nothing. With
   * those, queue the event and flush instead.
   */
  private captureImmediateResolvesEarly(): boolean {
    if (this.legacyImmediate === undefined) {
      let version: unknown;
      try {
        version = this.options.posthog.getLibraryVersion?.();
      } catch {
        version = undefined;
      }
      this.legacyImmediate = typeof version === 'string' && isBefore(version, [5, 8, 1]);
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
