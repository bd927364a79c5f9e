import type { PendingJob } from '../background-jobs.js';
import type { TrackedCall } from '../call.js';
import type { BackgroundEnding, CallOutcome } from '../events/build.js';
import type { BackgroundRules, Operation } from '../operations/operation.js';
import type { Tracking } from '../tracking.js';
import { tapAPIPromise } from './promise.js';
import { asksForStream, followedIdOf, isAPIPromise, unwrapKindOf } from './sdk.js';
import { CallTap, type TappedCall } from './tap.js';

/**
 * Background responses (`responses.create({ background: true })`): the create call answers at
 * once with the job queued, and the job's usage is known only once it ends. So the create call's
 * event waits for that end, and is sent once, with the whole job's usage and cost, by whichever
 * later call of the same client sees it: `responses.retrieve(id)` (polling), `responses.cancel(id)`,
 * or a stream of its events (the create's own, or one resumed with `retrieve(id, { stream: true })`
 * or `responses.stream({ response_id })`). A job still running when the PostHog client is shut
 * down sends its event then, saying so (see `background-jobs.ts`).
 *
 * Those later calls are not LLM calls of their own: they send nothing, and for an id this client
 * did not start (or whose event was sent already) they are not even watched.
 */

/** A background job whose end is not seen yet: the create call's, whose event it sends once. */
class Job implements PendingJob {
  /** `performance.now()` when the job was last seen running: the latency of an end never seen. */
  private lastSeenAt = performance.now();

  constructor(
    readonly call: TrackedCall,
    private readonly rules: BackgroundRules,
    private readonly tracking: Tracking,
    readonly id: string,
    /** What the job was when last seen running. */
    private latest: Record<string, unknown>,
    /** How the create's own stream ended, when it was streamed: what the event says of it. */
    private readonly stream: CallOutcome['stream'],
  ) {}

  /** A later call saw the job: still running (remembered), or ended (its event, once). */
  seen(result: Record<string, unknown>, response: Response | undefined): Promise<void> | undefined {
    if (this.rules.runningId(result) === this.id) {
      this.latest = result;
      this.lastSeenAt = performance.now();
      return undefined;
    }
    if (!this.rules.ended(result) || !this.tracking.backgroundJobs.remove(this.id, this)) return undefined;
    return this.call.end({ result, response, error: this.rules.failure(result), stream: this.stream, background: 'seen' });
  }

  endUnseen(): void {
    this.call.end({ result: this.latest, stream: this.stream, background: 'not_seen', endedAt: this.lastSeenAt });
  }
}

/** What the tap sees of a call whose end this module decides: the call's settings, read through it. */
abstract class CallView implements TappedCall {
  protected ended = false;

  constructor(
    protected readonly call: TrackedCall,
    readonly operation: Operation,
    readonly client: object,
    readonly body: Record<string, unknown>,
  ) {}

  abstract end(outcome: CallOutcome): Promise<void> | undefined;

  get isEnded(): boolean {
    return this.ended;
  }

  get options(): TrackedCall['options'] {
    return this.call.options;
  }

  get captureImmediate(): boolean {
    return this.call.captureImmediate;
  }
}

/** The create call of a background response: its end is the job's start, unless the job ended already. */
class JobStart extends CallView {
  constructor(
    call: TrackedCall,
    private readonly rules: BackgroundRules,
    private readonly tracking: Tracking,
  ) {
    super(call, call.operation, call.client, call.body);
  }

  end(outcome: CallOutcome): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    const { result } = outcome;
    // No answer (an HTTP error, an abort before it): no job to follow, a failed call as any other.
    if (!result) return this.call.end(outcome.error !== undefined || outcome.aborted ? outcome : { ...outcome, background: 'not_followed' });
    const id = this.rules.runningId(result);
    if (id === undefined) {
      // A streamed create that ran to the end, or a job that ended before its create answered.
      const background: BackgroundEnding = this.rules.ended(result) ? 'seen' : 'not_followed';
      return this.call.end({ ...outcome, error: outcome.error ?? this.rules.failure(result), background });
    }
    // Running: a stream cut short or stopped leaves the job running, and its error is not the job's.
    const job = new Job(this.call, this.rules, this.tracking, id, result, outcome.stream);
    if (this.tracking.backgroundJobs.add(id, job)) return undefined;
    return this.call.end({ ...outcome, background: 'not_followed' });
  }
}

/** A `retrieve(id)` or `cancel(id)` of a job that waits: what it shows of the job, not an event of its own. */
class JobFollowUp extends CallView {
  constructor(
    private readonly job: Job,
    operation: Operation,
    client: object,
    streamed: boolean,
  ) {
    super(job.call, operation, client, streamed ? { stream: true } : {});
  }

  /** A failure or an abort of this call says nothing of the job: it keeps waiting. */
  end(outcome: CallOutcome): Promise<void> | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    return outcome.result ? this.job.seen(outcome.result, outcome.response) : undefined;
  }
}

/** What the tap of a `create()` that starts a background job reports to: the job's start. */
export function backgroundStart(call: TrackedCall, rules: BackgroundRules, tracking: Tracking): TappedCall {
  return new JobStart(call, rules, tracking);
}

/**
 * One `retrieve(id, ...)` or `cancel(id, ...)` through the tracked client (`send`: the SDK's own
 * method). Watched only when `id` is a job of this client that waits for its end: the caller gets
 * exactly what the SDK returned (its `APIPromise`, its `Stream`, its errors), seen as it is read.
 */
export function followJob(tracking: Tracking, client: object, operation: Operation, send: (args: readonly unknown[]) => unknown, args: readonly unknown[]): unknown {
  const id = followedIdOf(args);
  const job = id === undefined ? undefined : tracking.backgroundJobs.get(id);
  if (!(job instanceof Job)) return send(args);
  const result = send(args);
  try {
    if (!isAPIPromise(result)) return result;
    const tap = new CallTap(new JobFollowUp(job, operation, client, asksForStream(args)), false);
    return tapAPIPromise(result, tap, unwrapKindOf(result) === 'fields');
  } catch (error) {
    tracking.options.log?.('could not observe this background response', error);
    return result;
  }
}
