/** PostHog's LLM analytics vocabulary (see PostHog's `$ai_*` events). */
export const GENERATION_EVENT = '$ai_generation';
export const EMBEDDING_EVENT = '$ai_embedding';
