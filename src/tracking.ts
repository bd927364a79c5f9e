import type { ResolvedTrackingOptions } from './options.js';
import { Sink } from './sink.js';

let latest: Tracking | undefined;

/** Everything one tracked client (and the clients made from it with `withOptions`) shares. */
export class Tracking {
  readonly sink: Sink;
  /** The tracked proxy of each object already wrapped, so property reads return the same proxy every time. */
  readonly proxies = new WeakMap<object, object>();

  constructor(readonly options: ResolvedTrackingOptions) {
    this.sink = new Sink(options);
    latest = this;
  }

  /** The most recently created tracking: where `trace()` / `span()` send when nothing else says. */
  static latest(): Tracking | undefined {
    return latest;
  }
}
