import { pickParameters, recordsAt, type Operation } from './operation.js';
import { responsesOperation } from './responses.js';

const COMPACT_PARAMETERS: ReadonlySet<string> = new Set([
  'previous_response_id',
  'prompt_cache_key',
  'prompt_cache_options',
  'prompt_cache_retention',
  'service_tier',
]);

/**
 * The compaction items of a compacted conversation, without their content: it is encrypted (of no
 * use to read, and as long as the summary). The user messages the output repeats are the input's.
 */
function compactionItems(result: Record<string, unknown>): Record<string, unknown>[] {
  return recordsAt(result, 'output')
    .filter((item) => item.type === 'compaction')
    .map((item) => ({ type: 'compaction', id: item.id }));
}

/** `responses.compact` (openai 6 and later): one model call that compacts a conversation, billed by its usage. */
export const responsesCompactOperation: Operation = {
  event: '$ai_generation',
  input: responsesOperation.input,
  parameters: (body) => pickParameters(body, COMPACT_PARAMETERS),
  output: compactionItems,
  stopReason: () => undefined,
};
