import type { DebugLogger } from './options.js';
import type { Outbox } from './outbox.js';

/** A background job started by a tracked call, whose end the process has not seen yet. */
export interface PendingJob {
  /** Sends the job's one event, saying its end was not seen (the PostHog client is shutting down). Never throws. */
  endUnseen(): void;
}

/**
 * At most this many jobs wait for their end per tracked client: a job past it gets its event when
 * its create call ends, as if not followed, so that jobs nobody follows can't grow without bound.
 */
export const MAX_PENDING_JOBS = 1000;

/**
 * The background jobs (Responses created with `background: true`) of one tracked client that are
 * still running as far as the process knows, by id. Each waits until a later call of the same
 * client sees it end (`responses.retrieve()`, `responses.cancel()`, a resumed stream), which sends
 * its event; those still here when the PostHog client is shut down send theirs then, as not seen
 * ending. A job leaves exactly once, so it has exactly one event.
 */
export class BackgroundJobs {
  private readonly pending = new Map<string, PendingJob>();
  private warned = false;
  private readonly endAllUnseen = (): void => {
    const jobs = [...this.pending.values()];
    this.pending.clear();
    for (const job of jobs) job.endUnseen();
  };

  constructor(
    private readonly outbox: Outbox,
    private readonly log: DebugLogger | undefined,
  ) {}

  get(id: string): PendingJob | undefined {
    return this.pending.get(id);
  }

  /**
   * Keeps `job` until its end is seen or the PostHog client shuts down. False when it can't wait:
   * the limit is reached, or the PostHog client's shutdown can't be watched (then nothing would
   * send its event).
   */
  add(id: string, job: PendingJob): boolean {
    if (!this.outbox.canWait) return false;
    if (this.pending.size >= MAX_PENDING_JOBS && !this.pending.has(id)) {
      if (!this.warned) {
        this.warned = true;
        this.log?.(
          `more than ${MAX_PENDING_JOBS} background responses are waiting for their end: the events of new ones are sent when they are created, without usage`,
        );
      }
      return false;
    }
    if (this.pending.size === 0) this.outbox.onShutdown(this.endAllUnseen);
    this.pending.set(id, job);
    return true;
  }

  /** Forgets `id` if `job` is what waits under it: its end was seen. True when it was waiting (the caller sends its event). */
  remove(id: string, job: PendingJob): boolean {
    if (this.pending.get(id) !== job) return false;
    this.pending.delete(id);
    if (this.pending.size === 0) this.outbox.offShutdown(this.endAllUnseen);
    return true;
  }
}
