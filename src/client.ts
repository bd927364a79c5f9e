import { AzureOpenAI as AzureOpenAIBase, OpenAI as OpenAIBase } from 'openai';
import { trackClient, untrackedClientOf } from './intercept/proxy.js';
import { checkOpenAIClient, resolveTrackingOptions, type TrackingOptions } from './options.js';
import { Tracking } from './tracking.js';
import type { Tracked, TrackedOpenAIResources } from './types.js';

/**
 * Returns `client`, tracked: every chat, legacy completion, Responses and embeddings call sends one
 * PostHog event; everything else behaves exactly as before. The value has the type of `client`
 * (plus the per-call `posthog*` options on `create()`), so it is assignable wherever `client` was.
 *
 * Wrapping a client that is already tracked returns a new tracked view of the same underlying
 * client with the new options; calls are never counted twice.
 *
 * @throws TypeError when the options are invalid (for example a missing `posthog`).
 */
export function createTrackedOpenAI<T extends OpenAIBase>(client: T, options: TrackingOptions): Tracked<T> {
  checkOpenAIClient(client);
  const tracking = new Tracking(resolveTrackingOptions(options, true));
  const raw = (untrackedClientOf(client) ?? client) as T;
  return trackClient(tracking, raw) as Tracked<T>;
}

/** The `openai` SDK's client options plus tracked-openai's. */
export type TrackedClientOptions = NonNullable<ConstructorParameters<typeof OpenAIBase>[0]> & TrackingOptions;
/** The `openai` SDK's Azure client options plus tracked-openai's. */
export type TrackedAzureClientOptions = NonNullable<ConstructorParameters<typeof AzureOpenAIBase>[0]> &
  TrackingOptions;

/**
 * The SDK's `OpenAI` class, tracked: `new OpenAI({ apiKey, posthog })`. Instances are
 * `instanceof` the SDK's `OpenAI`; `withOptions()` keeps tracking.
 */
export class OpenAI extends OpenAIBase {
  declare chat: TrackedOpenAIResources['chat'] & OpenAIBase['chat'];
  declare completions: TrackedOpenAIResources['completions'] & OpenAIBase['completions'];
  declare embeddings: TrackedOpenAIResources['embeddings'] & OpenAIBase['embeddings'];
  declare responses: TrackedOpenAIResources['responses'] & OpenAIBase['responses'];

  constructor(options: TrackedClientOptions) {
    const tracking = new Tracking(resolveTrackingOptions(options, false));
    // Our options stay in the SDK's copy of the options so that `withOptions()`, which rebuilds
    // the client from them, builds a tracked client again. The SDK ignores keys it doesn't know.
    super(options);
    return trackClient(tracking, this);
  }
}

/** The SDK's `AzureOpenAI` class, tracked: `new AzureOpenAI({ endpoint, apiVersion, posthog })`. */
export class AzureOpenAI extends AzureOpenAIBase {
  declare chat: TrackedOpenAIResources['chat'] & AzureOpenAIBase['chat'];
  declare completions: TrackedOpenAIResources['completions'] & AzureOpenAIBase['completions'];
  declare embeddings: TrackedOpenAIResources['embeddings'] & AzureOpenAIBase['embeddings'];
  declare responses: TrackedOpenAIResources['responses'] & AzureOpenAIBase['responses'];

  constructor(options: TrackedAzureClientOptions) {
    const tracking = new Tracking(resolveTrackingOptions(options, false));
    super(options);
    return trackClient(tracking, this);
  }
}
