import type { StreamAccumulator } from './operation.js';
import { TextParts } from './text-parts.js';

type UnknownRecord = Record<string, unknown>;

/**
 * Streamed transcription events → a transcription: the text deltas make up the text of a stream
 * that ends early; `transcript.text.done` carries the whole text and the usage.
 */
export class TranscriptionStreamAccumulator implements StreamAccumulator {
  private readonly parts = new TextParts();
  private doneText: string | undefined;
  private usage: unknown;

  add(event: UnknownRecord): boolean {
    switch (event.type) {
      case 'transcript.text.delta':
        if (typeof event.delta !== 'string' || event.delta.length === 0) return false;
        this.parts.push(event.delta);
        return true;
      case 'transcript.text.done':
        if (typeof event.text === 'string') this.doneText = event.text;
        if (event.usage != null) this.usage = event.usage;
        return true;
      default:
        return false;
    }
  }

  result(): UnknownRecord {
    const result: UnknownRecord = { text: this.doneText ?? this.parts.text() };
    if (this.usage !== undefined) result.usage = this.usage;
    return result;
  }

  providerError(): unknown {
    return undefined;
  }
}
