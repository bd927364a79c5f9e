import { chatOperation } from '../operations/chat.js';
import { completionsOperation } from '../operations/completions.js';
import { embeddingsOperation } from '../operations/embeddings.js';
import { imagesEditOperation, imagesGenerateOperation, imagesVariationOperation } from '../operations/images.js';
import { moderationsOperation } from '../operations/moderations.js';
import type { Operation } from '../operations/operation.js';
import { responsesOperation } from '../operations/responses.js';
import { responsesCompactOperation } from '../operations/responses-compact.js';
import { speechOperation } from '../operations/speech.js';
import { transcriptionsOperation, translationsOperation } from '../operations/transcriptions.js';

/** The SDK methods that make one LLM request each, by their path on the client. */
const TRACKED_METHODS: Readonly<Record<string, Operation>> = {
  'audio.speech.create': speechOperation,
  'audio.transcriptions.create': transcriptionsOperation,
  'audio.translations.create': translationsOperation,
  'chat.completions.create': chatOperation,
  'completions.create': completionsOperation,
  'embeddings.create': embeddingsOperation,
  'images.generate': imagesGenerateOperation,
  'images.edit': imagesEditOperation,
  'images.createVariation': imagesVariationOperation,
  'moderations.create': moderationsOperation,
  'responses.create': responsesOperation,
  'responses.compact': responsesCompactOperation,
};

/**
 * Methods that report on a job a tracked call started (a background response): tracked only for
 * the ids of such jobs, whose call's event they complete (see `intercept/background.ts`).
 */
const JOB_METHODS: Readonly<Record<string, Operation>> = {
  'responses.retrieve': responsesOperation,
  'responses.cancel': responsesOperation,
};

/**
 * SDK helpers that make their requests through `this._client.<resource>.create(...)`. They are
 * called with the tracked resource as `this`, so each HTTP request they make goes through a tracked
 * `create` and is counted exactly once, however many requests the helper makes (runTools loops).
 */
const HELPER_METHODS: readonly string[] = [
  'chat.completions.parse',
  'chat.completions.stream',
  'chat.completions.runTools',
  'responses.parse',
  'responses.stream',
];

/** One object on a tracked path (the client, `chat`, `chat.completions`, ...). */
export interface PathNode {
  readonly children: Map<string, PathNode>;
  readonly operations: Map<string, Operation>;
  readonly jobMethods: Map<string, Operation>;
  readonly helpers: Set<string>;
}

function newNode(): PathNode {
  return { children: new Map(), operations: new Map(), jobMethods: new Map(), helpers: new Set() };
}

function nodeAt(root: PathNode, path: readonly string[]): PathNode {
  let node = root;
  for (const segment of path) {
    let child = node.children.get(segment);
    if (!child) {
      child = newNode();
      node.children.set(segment, child);
    }
    node = child;
  }
  return node;
}

function buildTree(): PathNode {
  const root = newNode();
  for (const [path, operation] of Object.entries(TRACKED_METHODS)) {
    const segments = path.split('.');
    const method = segments.pop()!;
    nodeAt(root, segments).operations.set(method, operation);
  }
  for (const [path, operation] of Object.entries(JOB_METHODS)) {
    const segments = path.split('.');
    const method = segments.pop()!;
    nodeAt(root, segments).jobMethods.set(method, operation);
  }
  for (const path of HELPER_METHODS) {
    const segments = path.split('.');
    const method = segments.pop()!;
    nodeAt(root, segments).helpers.add(method);
  }
  return root;
}

/** The client's node: the root of every tracked path. */
export const CLIENT_NODE: PathNode = buildTree();
