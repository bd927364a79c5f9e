import { newUuid } from './events/ids.js';
import { readOr } from './safe-read.js';
import type { DebugLogger, PostHogLike } from './options.js';

/**
 * Immediate deliveries (`captureImmediate()`) one PostHog client may have in flight. Each holds a
 * socket until posthog-node gives up on it (its timeout times its retries: about 49 s with its
 * defaults), long after the call stopped waiting, so a hanging PostHog would otherwise take a
 * socket per call. Past it, events go through posthog-node's queue, which sends one batch at a time.
 */
export const MAX_IMMEDIATE_IN_FLIGHT = 20;

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** What happens to an event that is about to join posthog-node's queue. */
type Admission = 'whole' | 'without_content' | 'dropped';

/**
 * What this library handed to one PostHog client and has not seen delivered: the immediate
 * deliveries in flight, and the estimated bytes of its events waiting in posthog-node's queue.
 *
 * posthog-node says which events left its queue through its `flush` event (the messages sent,
 * with their `uuid`), so each queued event is given a `uuid` and its size is kept until then. Its
 * queue is first in, first out: once an event is sent, every event of ours queued before it has
 * left too (sent, dropped as the queue overflowed, or rejected). A client that can't say (no
 * `on()`, or disabled) is not counted: nothing is held back from it.
 */
export class Backlog {
  /** Our events in posthog-node's queue, oldest first: their uuids, and their estimated bytes beside. */
  private readonly uuids: string[] = [];
  private readonly sizes: number[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private readonly counted: boolean;
  /** What was last said in the debug log about holding events back, and where: once per outage. */
  private reported: Admission = 'whole';
  private log: DebugLogger | undefined;

  /** posthog-node's bound on its queue, in events. */
  private readonly maxQueueSize: number;

  constructor(private readonly posthog: PostHogLike) {
    this.counted = this.listen();
    const maxQueueSize = readOr(posthog, 'maxQueueSize', undefined);
    this.maxQueueSize = typeof maxQueueSize === 'number' ? maxQueueSize : Number.POSITIVE_INFINITY;
  }

  private listen(): boolean {
    const on = readOr(this.posthog, 'on', undefined);
    if (typeof on !== 'function' || readOr(this.posthog, 'disabled', undefined) === true) return false;
    try {
      on.call(this.posthog, 'flush', (messages: unknown) => this.delivered(messages));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * posthog-node's `flush` event: `messages` left its queue, and so did every older one of ours.
   * The newest of ours among them is looked for from the end of the batch (usually its last
   * message) in our queued events: a few dozen while PostHog takes them, at most `maxQueueSize`.
   */
  private delivered(messages: unknown): void {
    if (!Array.isArray(messages)) return;
    let newest = -1;
    for (let i = messages.length - 1; i >= 0 && newest < 0; i--) {
      const uuid = (messages[i] as { uuid?: unknown } | null)?.uuid;
      if (typeof uuid === 'string') newest = this.uuids.indexOf(uuid);
    }
    if (newest < 0) return;
    for (let i = 0; i <= newest; i++) this.queuedBytes -= this.sizes[i]!;
    this.uuids.splice(0, newest + 1);
    this.sizes.splice(0, newest + 1);
    if (this.uuids.length === 0) this.queuedBytes = 0;
    if (this.reported !== 'whole') {
      this.reported = 'whole';
      this.log?.('PostHog is taking events again');
    }
  }

  /** Whether `bytes` more fit under `limit` bytes of our events in posthog-node's queue. */
  hasRoom(bytes: number, limit: number): boolean {
    return !this.counted || this.queuedBytes + bytes <= limit;
  }

  /** Says in the debug log, once per outage, that events are held back (and once that they no longer are). */
  holdingBack(admission: Exclude<Admission, 'whole'>, maxBytes: number, log: DebugLogger | undefined): void {
    if (admission === this.reported || this.reported === 'dropped') return;
    this.reported = admission;
    this.log = log;
    const what = admission === 'dropped' ? 'events are dropped' : 'events go without their input and output';
    log?.(`PostHog has not taken ${megabytes(this.queuedBytes)} of events yet (maxQueuedBytes: ${megabytes(maxBytes)}): ${what} until it does`);
  }

  /** A `uuid` for an event that is joining the queue with `bytes`, when the queue is counted. */
  enqueued(bytes: number): string | undefined {
    if (!this.counted) return undefined;
    const uuid = newUuid();
    this.uuids.push(uuid);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    // posthog-node drops its oldest events past `maxQueueSize`: so does the count.
    if (this.uuids.length > this.maxQueueSize) {
      this.uuids.shift();
      this.queuedBytes -= this.sizes.shift()!;
    }
    return uuid;
  }

  /** Starts an immediate delivery if fewer than {@link MAX_IMMEDIATE_IN_FLIGHT} are in flight. */
  startImmediate(deliver: () => Promise<unknown> | undefined): Promise<unknown> | undefined {
    if (this.inFlight >= MAX_IMMEDIATE_IN_FLIGHT) return undefined;
    const delivery = deliver();
    if (!delivery) return undefined;
    this.inFlight++;
    const done = (): void => {
      this.inFlight--;
    };
    Promise.resolve(delivery).then(done, done);
    return delivery;
  }

  /** Immediate deliveries in flight. */
  get immediateInFlight(): number {
    return this.inFlight;
  }
}

const backlogs = new WeakMap<object, Backlog>();

/** The one backlog of a PostHog client, shared by every tracked client that sends to it. */
export function backlogOf(posthog: PostHogLike): Backlog {
  let backlog = backlogs.get(posthog);
  if (!backlog) {
    backlog = new Backlog(posthog);
    backlogs.set(posthog, backlog);
  }
  return backlog;
}
