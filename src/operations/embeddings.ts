import { pickParameters, snapshot, type Operation } from './operation.js';

const EMBEDDING_PARAMETERS: ReadonlySet<string> = new Set(['dimensions', 'encoding_format']);

/** Embeddings: `embeddings.create`. The vectors are not sent: they are large and say nothing to analytics. */
export const embeddingsOperation: Operation = {
  event: '$ai_embedding',
  input: (body) => snapshot(body.input),
  parameters: (body) => pickParameters(body, EMBEDDING_PARAMETERS),
  output: () => null,
  stopReason: () => undefined,
};
