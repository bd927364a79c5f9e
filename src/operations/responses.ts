import { ResponsesStreamAccumulator } from './responses-stream.js';
import { pickParameters, snapshot, type Operation } from './operation.js';

const RESPONSES_PARAMETERS: ReadonlySet<string> = new Set([
  'temperature',
  'max_output_tokens',
  'max_tool_calls',
  'top_p',
  'top_logprobs',
  'reasoning',
  'text',
  'tool_choice',
  'parallel_tool_calls',
  'truncation',
  'store',
  'background',
  'previous_response_id',
  'conversation',
  'prompt',
  'include',
  'service_tier',
  'stream',
]);

/** The Responses API: `responses.create` (and `parse`, `stream`, which call it). */
export const responsesOperation: Operation = {
  event: '$ai_generation',
  // PostHog shows `$ai_input` as a conversation: the instructions become the system turn.
  input: (body) => {
    const input = body.input;
    const turns: unknown[] = [];
    if (typeof body.instructions === 'string' && body.instructions.length > 0) {
      turns.push({ role: 'system', content: body.instructions });
    }
    if (typeof input === 'string') turns.push({ role: 'user', content: input });
    else if (Array.isArray(input)) turns.push(...input);
    else if (input !== undefined) return snapshot(input);
    return turns;
  },
  parameters: (body) => pickParameters(body, RESPONSES_PARAMETERS),
  contentParameters: { prompt: 'variables' },
  output: (result) => (Array.isArray(result.output) ? result.output.slice() : []),
  stopReason: (result) => {
    const details = result.incomplete_details as Record<string, unknown> | null | undefined;
    if (details && typeof details.reason === 'string') return details.reason;
    return typeof result.status === 'string' ? result.status : undefined;
  },
  accumulateStream: () => new ResponsesStreamAccumulator(),
};
