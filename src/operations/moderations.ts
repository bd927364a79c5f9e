import { type Operation, recordsAt, snapshot } from './operation.js';

/**
 * What one moderation result says, and no more: whether it was flagged and the names of the
 * categories that were. The per-category scores and input types are left out: they are dozens of
 * numbers per input that say nothing the flags don't.
 */
function flaggedCategories(result: Record<string, unknown>): { flagged: unknown; categories: string[] } {
  const categories: string[] = [];
  const given = result.categories;
  if (given !== null && typeof given === 'object') {
    for (const [name, applies] of Object.entries(given)) if (applies === true) categories.push(name);
  }
  return { flagged: result.flagged, categories };
}

/**
 * Moderations: `moderations.create`. Free, so its events are priced at $0 (not left unpriced),
 * so that their volume shows beside the calls that cost. PostHog has no moderation event: a
 * moderation is a model call, an `$ai_generation`.
 */
export const moderationsOperation: Operation = {
  event: '$ai_generation',
  input: (body) => snapshot(body.input),
  parameters: () => ({}),
  output: (result) => recordsAt(result, 'results').map(flaggedCategories),
  stopReason: () => undefined,
  free: true,
};
