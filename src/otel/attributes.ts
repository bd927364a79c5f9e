/**
 * The span attribute names: OpenTelemetry's GenAI semantic conventions (the `gen_ai.*`, `openai.*`,
 * `server.*` and `error.type` names), and ours for what the conventions have no name for (cost, how
 * a stream ended, the PostHog trace), under `tracked_openai.`. The PostHog event's properties that
 * point back at the span are here too.
 */

export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
/** Opt-in content (`captureContent`): the messages as JSON. */
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const OPENAI_API_TYPE = 'openai.api.type';
export const OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier';
export const OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';
export const OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint';
export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const ERROR_TYPE = 'error.type';

/** The call's cost in USD, as the PostHog event's `$ai_input_cost_usd` / `$ai_output_cost_usd` / `$ai_total_cost_usd`. */
export const COST_INPUT_USD = 'tracked_openai.cost.input_usd';
export const COST_OUTPUT_USD = 'tracked_openai.cost.output_usd';
export const COST_TOTAL_USD = 'tracked_openai.cost.total_usd';
/** Why there is no cost (`$ai_cost_unknown_reason`). */
export const COST_UNKNOWN_REASON = 'tracked_openai.cost.unknown_reason';
/** How a stream ended (`$ai_stream_ending`): `completed`, `stopped`, `aborted`, `error`, `not_read`. */
export const STREAM_ENDING = 'tracked_openai.stream.ending';
/** The PostHog event's `$ai_trace_id`, to go from the span to PostHog's Traces view. */
export const POSTHOG_TRACE_ID = 'tracked_openai.posthog.trace_id';

/** The PostHog event's properties naming the span recorded for the same call (W3C hex ids). */
export const EVENT_OTEL_TRACE_ID = '$ai_otel_trace_id';
export const EVENT_OTEL_SPAN_ID = '$ai_otel_span_id';

/** `SpanKind.CLIENT`: a call to a remote service. */
export const SPAN_KIND_CLIENT = 2;
/** `SpanStatusCode.ERROR`. */
export const SPAN_STATUS_ERROR = 2;
