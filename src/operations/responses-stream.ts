import type { StreamAccumulator } from './operation.js';
import { responseFailure } from './responses-background.js';
import { TextParts } from './text-parts.js';

type UnknownRecord = Record<string, unknown>;

function record(value: unknown): UnknownRecord | undefined {
  return value !== null && typeof value === 'object' ? (value as UnknownRecord) : undefined;
}

/**
 * Responses API events → a `response`. The final `response.completed` / `.incomplete` / `.failed`
 * event carries the whole response (output and usage); until then, finished output items and text
 * deltas make up the partial output of a stream that ends early.
 */
export class ResponsesStreamAccumulator implements StreamAccumulator {
  private latest: UnknownRecord | undefined;
  private final: UnknownRecord | undefined;
  private readonly doneItems = new Map<number, unknown>();
  private readonly textParts = new Map<number, TextParts>();
  private errorEvent: UnknownRecord | undefined;

  add(event: UnknownRecord): boolean {
    switch (event.type) {
      case 'response.created':
      case 'response.in_progress':
        this.latest = record(event.response) ?? this.latest;
        return false;
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        if (typeof event.delta !== 'string' || event.delta.length === 0) return false;
        const index = typeof event.output_index === 'number' ? event.output_index : 0;
        let parts = this.textParts.get(index);
        if (!parts) {
          parts = new TextParts();
          this.textParts.set(index, parts);
        }
        parts.push(event.delta);
        return true;
      }
      case 'response.function_call_arguments.delta':
      case 'response.reasoning_summary_text.delta':
        return true;
      case 'response.output_item.done':
        if (typeof event.output_index === 'number') this.doneItems.set(event.output_index, event.item);
        return false;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        this.final = record(event.response) ?? this.final;
        return false;
      case 'error':
        this.errorEvent = event;
        return false;
      default:
        return false;
    }
  }

  result(): UnknownRecord {
    if (this.final) return this.final;
    const output: unknown[] = [];
    const indexes = new Set([...this.doneItems.keys(), ...this.textParts.keys()]);
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const done = this.doneItems.get(index);
      if (done !== undefined) output.push(done);
      else {
        const text = this.textParts.get(index)!.text();
        output.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
      }
    }
    return { ...this.latest, output };
  }

  providerError(): unknown {
    if (this.errorEvent) {
      const { message, code } = this.errorEvent;
      return { name: 'ResponseStreamError', message: typeof message === 'string' ? message : 'error event', code };
    }
    return responseFailure(this.final);
  }
}
