import { withKey } from '../safe-read.js';
import { byIndex, collectCallFields, type StreamAccumulator } from './operation.js';
import { TextParts } from './text-parts.js';

/** Legacy completion chunks → a `text_completion` with each choice's text joined. */
export class CompletionsStreamAccumulator implements StreamAccumulator {
  /** id, model, created, service_tier and usage, as the result carries them. */
  private readonly callFields: Record<string, unknown> = {};
  private readonly texts = new Map<number, { index: number; parts: TextParts; finishReason: unknown }>();

  add(chunk: Record<string, unknown>): boolean {
    collectCallFields(this.callFields, chunk);
    if (!Array.isArray(chunk.choices)) return false;
    let content = false;
    for (const choice of chunk.choices as Record<string, unknown>[]) {
      if (choice === null || typeof choice !== 'object') continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let slot = this.texts.get(index);
      if (!slot) {
        slot = { index, parts: new TextParts(), finishReason: undefined };
        this.texts.set(index, slot);
      }
      if (typeof choice.text === 'string' && choice.text.length > 0) {
        slot.parts.push(choice.text);
        content = true;
      }
      if (choice.finish_reason != null) slot.finishReason = choice.finish_reason;
    }
    return content;
  }

  result(): Record<string, unknown> {
    const choices = byIndex(this.texts).map((slot) => ({ index: slot.index, text: slot.parts.text(), finish_reason: slot.finishReason ?? null }));
    const result = withKey(this.callFields, 'object', 'text_completion');
    result.choices = choices;
    return result;
  }

  providerError(): unknown {
    return undefined;
  }
}
