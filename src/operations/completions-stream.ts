import { collectCallFields, type StreamAccumulator } from './operation.js';
import { TextParts } from './text-parts.js';

/** Legacy completion chunks → a `text_completion` with each choice's text joined. */
export class CompletionsStreamAccumulator implements StreamAccumulator {
  private readonly fields: Record<string, unknown> = {};
  private readonly texts = new Map<number, { parts: TextParts; finishReason: unknown }>();

  add(chunk: Record<string, unknown>): boolean {
    collectCallFields(this.fields, chunk);
    if (!Array.isArray(chunk.choices)) return false;
    let content = false;
    for (const choice of chunk.choices as Record<string, unknown>[]) {
      if (choice === null || typeof choice !== 'object') continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let slot = this.texts.get(index);
      if (!slot) {
        slot = { parts: new TextParts(), finishReason: undefined };
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
    const choices = [...this.texts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, slot]) => ({ index, text: slot.parts.text(), finish_reason: slot.finishReason ?? null }));
    return { ...this.fields, object: 'text_completion', choices };
  }

  providerError(): unknown {
    return undefined;
  }
}
