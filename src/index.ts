export { createTrackedOpenAI, OpenAI, AzureOpenAI } from './client.js';
export type { TrackedClientOptions, TrackedAzureClientOptions } from './client.js';
export type { TrackingOptions, PostHogLike, DebugLogger } from './options.js';
export type { PostHogCallOptions } from './call-options.js';
export type {
  Tracked,
  TrackedOpenAIResources,
  TrackedChatCompletionsCreate,
  TrackedCompletionsCreate,
  TrackedEmbeddingsCreate,
  TrackedResponsesCreate,
} from './types.js';
export { LIB_VERSION as VERSION } from './version.js';
