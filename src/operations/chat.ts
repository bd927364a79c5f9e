import { ChatStreamAccumulator } from './chat-stream.js';
import { firstFinishReason, pickParameters, recordsAt, snapshot, type Operation } from './operation.js';

const CHAT_PARAMETERS: ReadonlySet<string> = new Set([
  'temperature',
  'max_tokens',
  'max_completion_tokens',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'n',
  'seed',
  'logprobs',
  'top_logprobs',
  'reasoning_effort',
  'verbosity',
  'response_format',
  'tool_choice',
  'parallel_tool_calls',
  'modalities',
  'audio',
  'prediction',
  'store',
  'service_tier',
  'stream',
  'stream_options',
]);

const ONE_WEB_SEARCH = { webSearch: 1, fileSearch: 0, codeInterpreter: 0 } as const;

/** `gpt-4o-search-preview`, `gpt-4o-mini-search-preview-2025-03-11`, ...: models that search on each request. */
function isSearchModel(model: unknown): boolean {
  return typeof model === 'string' && /(^|\/)gpt-[\w.-]*-search-(preview|api)/i.test(model);
}

/** Chat Completions: `chat.completions.create` (and `parse`, `runTools`, `stream`, which call it). */
export const chatOperation: Operation = {
  event: '$ai_generation',
  input: (body) => snapshot(body.messages),
  parameters: (body) => pickParameters(body, CHAT_PARAMETERS),
  contentParameters: { prediction: 'content' },
  output: (result) =>
    recordsAt(result, 'choices').map((choice) => {
      const message = (choice.message ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = { role: message.role ?? 'assistant', content: message.content ?? null };
      if (message.tool_calls) out.tool_calls = message.tool_calls;
      if (message.refusal) out.refusal = message.refusal;
      if (message.audio) out.audio = message.audio;
      return out;
    }),
  stopReason: firstFinishReason,
  // Chat's search models search the web on every request, billed per search beside the tokens.
  toolCalls: (body, result) => (isSearchModel(result.model) || isSearchModel(body.model) ? ONE_WEB_SEARCH : undefined),
  accumulateStream: () => new ChatStreamAccumulator(),
  streamUsageOnRequest: true,
};
