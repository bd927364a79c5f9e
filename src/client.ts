import * as sdk from 'openai';
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

/** A client class of the SDK: `OpenAI` or one of its subclasses. */
type SdkClientClass = new (...args: any[]) => OpenAIBase;

/** A tracked client class: the SDK class's options plus tracked-openai's, instances tracked. */
export interface TrackedClientClass<C extends SdkClientClass> {
  new (options: NonNullable<ConstructorParameters<C>[0]> & TrackingOptions): Tracked<InstanceType<C>>;
  readonly prototype: InstanceType<C>;
}

/** `Base`, tracked: its instances are `instanceof Base`, and `withOptions()` keeps tracking. */
function trackedClientClass<C extends SdkClientClass>(Base: C): TrackedClientClass<C> {
  const TrackedClass = class extends Base {
    constructor(...args: any[]) {
      const tracking = new Tracking(resolveTrackingOptions(args[0], false));
      super(...args);
      return trackClient(tracking, this);
    }
  };
  Object.defineProperty(TrackedClass, 'name', { value: Base.name });
  return TrackedClass as unknown as TrackedClientClass<C>;
}

/** The installed SDK's `BedrockOpenAI` class, where the installed release has one. */
type SdkBedrockOpenAI = typeof sdk extends { BedrockOpenAI: infer C extends SdkClientClass } ? C : undefined;

/**
 * The SDK's `BedrockOpenAI` class, tracked: `new BedrockOpenAI({ awsRegion, apiKey, posthog })`.
 * Undefined (and typed so) with an SDK release that has no `BedrockOpenAI`.
 */
export const BedrockOpenAI = (() => {
  const Base = (sdk as Record<string, unknown>).BedrockOpenAI;
  return typeof Base === 'function' ? trackedClientClass(Base as SdkClientClass) : undefined;
})() as SdkBedrockOpenAI extends SdkClientClass ? TrackedClientClass<SdkBedrockOpenAI> : undefined;
/** An instance of the tracked `BedrockOpenAI`. */
export type BedrockOpenAI = SdkBedrockOpenAI extends SdkClientClass ? Tracked<InstanceType<SdkBedrockOpenAI>> : never;
