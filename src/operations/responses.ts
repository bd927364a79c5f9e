import { responsesBackground } from './responses-background.js';
import { ResponsesStreamAccumulator } from './responses-stream.js';
import type { ToolCalls } from '../pricing/types.js';
import { pickParameters, snapshot, type Operation } from './operation.js';

/** The searches and code interpreter containers in a response's output items (each billed per call or per container). */
function builtInToolCalls(result: Record<string, unknown>): ToolCalls | undefined {
  const output = result.output;
  if (!Array.isArray(output)) return undefined;
  let webSearch = 0;
  let fileSearch = 0;
  const containers = new Set<unknown>();
  for (const item of output) {
    const type = item !== null && typeof item === 'object' ? (item as { type?: unknown }).type : undefined;
    if (type === 'web_search_call') webSearch++;
    else if (type === 'file_search_call') fileSearch++;
    else if (type === 'code_interpreter_call') containers.add((item as { container_id?: unknown }).container_id ?? containers.size);
  }
  return webSearch + fileSearch + containers.size > 0 ? { webSearch, fileSearch, codeInterpreter: containers.size } : undefined;
}

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
  toolCalls: (_body, result) => builtInToolCalls(result),
  accumulateStream: () => new ResponsesStreamAccumulator(),
  background: responsesBackground,
};
