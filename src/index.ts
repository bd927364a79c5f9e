export { createTrackedOpenAI, OpenAI, AzureOpenAI, BedrockOpenAI } from './client.js';
export type { TrackedClientOptions, TrackedAzureClientOptions, TrackedClientClass } from './client.js';
export type { TrackingOptions, PostHogLike, DebugLogger } from './options.js';
export type { OtelOptions, OtelTracer, OtelSpan, OtelSpanContext, OtelAttributes, OtelAttributeValue } from './otel/types.js';
export type { PostHogCallOptions, PostHogCostOverride } from './call-options.js';
export type {
  Tracked,
  TrackedOpenAIResources,
  TrackedChatCompletionsCreate,
  TrackedCompletionsCreate,
  TrackedEmbeddingsCreate,
  TrackedResponsesCreate,
} from './types.js';
export { LIB_VERSION as VERSION } from './version.js';
export { withTracking, isContextAvailable, useAsyncLocalStorage } from './context.js';
export type { TrackingContext } from './context.js';
export { trace, span } from './traces.js';
export type { TraceOptions, ScopeResult } from './traces.js';
export type { TrackedEvent } from './options.js';
export { calculateCost } from './pricing/calculate.js';
export type { CalculateCostInput } from './pricing/calculate.js';
export type {
  CostResult,
  CostMatch,
  ModelPrice,
  PricingOptions,
  PriceResolution,
  PriceResolverContext,
  UnitCounts,
  UnknownCostReason,
} from './pricing/types.js';
// Testing and debugging: send one test event and learn plainly what is wrong (also `npx tracked-openai check`).
export { checkPostHog, CHECK_EVENT_NAME } from './check.js';
export type { CheckPostHogOptions, PostHogCheckResult, PostHogCheckStatus, PostHogConnection } from './check.js';
// Budgets: spend limits and alerts, in memory or shared through Redis.
export { BudgetExceededError } from './budgets/error.js';
export type { BudgetBlockReason } from './budgets/error.js';
export { memoryBudgetStore } from './budgets/store.js';
export type { BudgetStore, BudgetCounterUpdate, BudgetCounterState } from './budgets/store.js';
export type { BudgetOptions, BudgetRule, BudgetScope } from './budgets/rules.js';
export type { BudgetWindow } from './budgets/windows.js';
export type { BudgetEvent } from './budgets/types.js';
export { redisBudgetStore } from './budgets/redis-store.js';
export type { RedisBudgetStoreOptions, RedisClientLike } from './budgets/redis-store.js';
