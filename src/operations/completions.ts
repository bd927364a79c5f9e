import { CompletionsStreamAccumulator } from './completions-stream.js';
import { firstFinishReason, pickParameters, recordsAt, snapshot, type Operation } from './operation.js';

const COMPLETION_PARAMETERS: ReadonlySet<string> = new Set([
  'temperature',
  'max_tokens',
  'top_p',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'n',
  'best_of',
  'seed',
  'logprobs',
  'echo',
  'suffix',
  'stream',
  'stream_options',
]);

/** Legacy text completions: `completions.create`. */
export const completionsOperation: Operation = {
  event: '$ai_generation',
  input: (body) => snapshot(body.prompt),
  parameters: (body) => pickParameters(body, COMPLETION_PARAMETERS),
  contentParameters: { suffix: true },
  output: (result) =>
    recordsAt(result, 'choices').map((choice) => ({ role: 'assistant', content: choice.text ?? null })),
  stopReason: firstFinishReason,
  accumulateStream: () => new CompletionsStreamAccumulator(),
  streamUsageOnRequest: true,
};
