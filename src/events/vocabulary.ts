/**
 * PostHog's LLM analytics vocabulary, as this library sends it: the events, and every `$ai_*`
 * property with what it holds. The names are PostHog's (its Generations and Traces views read
 * them); docs/events.md says where each value comes from.
 */

/** One LLM call (chat, legacy completions, Responses). */
export const GENERATION_EVENT = '$ai_generation';
/** One embeddings call. */
export const EMBEDDING_EVENT = '$ai_embedding';
/** A `trace()` that ended. */
export const TRACE_EVENT = '$ai_trace';
/** A `span()` that ended. */
export const SPAN_EVENT = '$ai_span';

export type AiEventName = typeof GENERATION_EVENT | typeof EMBEDDING_EVENT | typeof TRACE_EVENT | typeof SPAN_EVENT;

/** The `$ai_*` properties; each event has the ones that apply to it, your own properties beside them. */
export interface AiEventProperties {
  /** `tracked-openai`. */
  $ai_lib: string;
  /** This library's version. */
  $ai_lib_version: string;
  /** Who served the call: `openai`, `azure`, or the OpenAI-compatible service behind the base URL. */
  $ai_provider: string;
  /** The model as requested (the response's when the request names none). */
  $ai_model: string | undefined;
  /** The request's parameters other than its content (temperature, max tokens, tools' choice, ...). */
  $ai_model_parameters: Record<string, unknown>;
  /** What was sent: messages, prompt or input (null in privacy mode). */
  $ai_input: unknown;
  /** What came back, as choices or output items (null in privacy mode). */
  $ai_output_choices: unknown;
  /** The request's tool definitions, credentials redacted. */
  $ai_tools: unknown[];
  /** Input tokens, cached ones included. */
  $ai_input_tokens: number;
  /** Output tokens, reasoning ones included. */
  $ai_output_tokens: number;
  /** Input tokens read from the provider's cache. */
  $ai_cache_read_input_tokens: number;
  /** Input tokens written to the provider's cache. */
  $ai_cache_creation_input_tokens: number;
  /** Output tokens spent on reasoning. */
  $ai_reasoning_tokens: number;
  /** `false`: the input count already includes the cached tokens (PostHog must not add them again). */
  $ai_cache_reporting_exclusive: boolean;
  /** Cost of the input, in USD. */
  $ai_input_cost_usd: number;
  /** Cost of the output, in USD. */
  $ai_output_cost_usd: number;
  /** Total cost, in USD. */
  $ai_total_cost_usd: number;
  /** The price that was used: a table entry or your override. */
  $ai_cost_price_id: string;
  /** The rule that found that price (exact id, dated id, alias, ...). */
  $ai_cost_match: string;
  /** Whose prices those are: the provider that served the call (or the one its prices fall back to, as Azure's to OpenAI's). Ours. */
  $ai_cost_provider: string;
  /** True when nobody knows the host and OpenAI's prices were assumed (a gateway in front of OpenAI). Ours. */
  $ai_cost_provider_assumed: boolean;
  /** True when the cost is what the provider billed, as it reported it in the usage (OpenRouter's `usage.cost`). Ours. */
  $ai_cost_reported: boolean;
  /** With a reported cost: the upstream provider's share, as reported (`usage.cost_details.upstream_inference_cost`). Ours. */
  $ai_cost_upstream_usd: number;
  /** With a reported cost: what the price table says the call costs, for comparison. Ours. */
  $ai_cost_estimate_usd: number;
  /** Why a cost the provider reported was not taken (a string, a negative or infinite number). Ours. */
  $ai_cost_reported_ignored: string;
  /** Web searches the call made (Responses `web_search`, chat's search models), billed per search. */
  $ai_web_search_count: number;
  /** File searches the call made (Responses `file_search`), billed per search. Ours. */
  $ai_file_search_count: number;
  /** Code interpreter containers the call used. Ours. */
  $ai_code_interpreter_count: number;
  /** The built-in tool fees inside `$ai_total_cost_usd` (searches: per call, beside the tokens). Ours. */
  $ai_tools_cost_usd: number;
  /** The provider's raw usage object (PostHog reads a gateway's billed `cost` from it). */
  $ai_usage: unknown;
  /** Why there is no cost, instead of one. */
  $ai_cost_unknown_reason: string;
  /** Costs come from your `posthogCostOverride` / `posthogCallCostOverride`, passed through. */
  $ai_cost_passthrough: boolean;
  /** Seconds from the call (or the scope's start) to its end. */
  $ai_latency: number;
  /** The call was streamed. */
  $ai_stream: boolean;
  /** Seconds to the first chunk with content. */
  $ai_time_to_first_token: number;
  /** How a stream ended: `completed`, `stopped`, `aborted`, `error`, `not_read`. */
  $ai_stream_ending: string;
  /** A background response's event: `seen` (with the whole job's usage), `not_seen` (running at shutdown), `not_followed`. Ours. */
  $ai_background_ending: string;
  /** Why the model stopped (`finish_reason`, the Responses status), or `aborted`. */
  $ai_stop_reason: string;
  /** The HTTP status of the answer. */
  $ai_http_status: number;
  /** The client's base URL, without credentials or query. */
  $ai_base_url: string | undefined;
  /** The tier the provider says it served the call on. */
  $ai_service_tier: string;
  /** The completion's or response's id. */
  $ai_response_id: string;
  /** The call or the scope failed. */
  $ai_is_error: boolean;
  /** What failed, as `Class: message (code: ...)`, without stack, paths or credentials. */
  $ai_error: string;
  /** The trace the event belongs to. */
  $ai_trace_id: string;
  /** The span (or trace) the event hangs under. */
  $ai_parent_id: string;
  /** The session the event belongs to. */
  $ai_session_id: string;
  /** A span's own id. */
  $ai_span_id: string;
  /** A trace's or span's name. */
  $ai_span_name: string;
  /** What a trace or span started from (null in privacy mode). */
  $ai_input_state: unknown;
  /** What a trace or span gave back (null in privacy mode). */
  $ai_output_state: unknown;
}
