import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { matchTable } from '../src/pricing/match.js';
import { OPENAI_VERSION } from './support/versions.js';

// The price table keeps up with the installed `openai` package: every model id its types name for
// chat, Responses, legacy completions, embeddings, images and audio has a price (its own entry, an
// alias or a rule of the table), or an entry in scripts/prices-supplement.json's `unpriced` list
// saying why it has none. A new SDK with a new model fails here until someone decides.

const sdk = new URL('../node_modules/openai/', import.meta.url);

/** The string literals of the type alias `name` (or of the `model` field, for legacy completions) in one of the SDK's .d.ts files. */
function literalsOf(file: string, pattern: RegExp): string[] {
  const text = readFileSync(new URL(file, sdk), 'utf8');
  const line = pattern.exec(text)?.[0];
  if (line === undefined) throw new Error(`${file}: ${pattern} not found in openai ${OPENAI_VERSION}`);
  return [...line.matchAll(/'([^']+)'/g)].map((match) => match[1]!);
}

/** Every model id the installed SDK's types name, by what the model is for. */
const MODELS: Record<string, string[]> = {
  chat: literalsOf('resources/shared.d.ts', /export type ChatModel = [^;]+;/),
  responses: literalsOf('resources/shared.d.ts', /export type ResponsesModel = [^;]+;/),
  completions: literalsOf('resources/completions.d.ts', /model: \(string & \{\}\) \|[^;]+;/),
  embeddings: literalsOf('resources/embeddings.d.ts', /export type EmbeddingModel = [^;]+;/),
  images: literalsOf('resources/images.d.ts', /export type ImageModel = [^;]+;/),
  transcription: literalsOf('resources/audio/audio.d.ts', /export type AudioModel = [^;]+;/),
  speech: literalsOf('resources/audio/speech.d.ts', /export type SpeechModel = [^;]+;/),
};

interface Unpriced {
  id: string;
  why: string;
}

const supplement = JSON.parse(readFileSync(new URL('../scripts/prices-supplement.json', import.meta.url), 'utf8')) as { unpriced?: Unpriced[] };
const unpriced = new Map((supplement.unpriced ?? []).map((entry) => [entry.id, entry.why]));

describe(`every model id of openai ${OPENAI_VERSION}'s types has a price or a reason`, () => {
  for (const [kind, ids] of Object.entries(MODELS)) {
    it(`${kind}: ${ids.length} ids`, () => {
      expect(ids.length).toBeGreaterThan(0);
      const missing = ids.filter((id) => matchTable(id, 'openai') === undefined && !unpriced.has(id));
      expect(missing, 'add a price (scripts/prices-supplement.json) or an `unpriced` entry with why').toEqual([]);
    });
  }

  it('the unpriced list says why for each entry, and names no model the table prices', () => {
    for (const [id, why] of unpriced) {
      expect(why.length, id).toBeGreaterThan(10);
      expect(matchTable(id, 'openai'), `${id} has a price now: take it off the unpriced list`).toBeUndefined();
    }
  });
});
