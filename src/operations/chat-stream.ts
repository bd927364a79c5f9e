import { byIndex, collectCallFields, type StreamAccumulator } from './operation.js';
import { withKey } from '../safe-read.js';
import { TextParts } from './text-parts.js';

interface ToolCallParts {
  id: string | undefined;
  type: string | undefined;
  name: string | undefined;
  argumentParts: TextParts;
}

interface ChoiceParts {
  index: number;
  role: string | undefined;
  contentParts: TextParts;
  refusalParts: TextParts;
  toolCalls: Map<number, ToolCallParts>;
  finishReason: unknown;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** Chat Completions chunks → a `chat.completion`: every choice, text, refusals, tool calls with their argument fragments joined. */
export class ChatStreamAccumulator implements StreamAccumulator {
  /** id, model, created, service_tier and usage, as the result carries them. */
  private readonly callFields: Record<string, unknown> = {};
  private readonly choices = new Map<number, ChoiceParts>();

  add(chunk: Record<string, unknown>): boolean {
    collectCallFields(this.callFields, chunk);
    const choices = chunk.choices;
    if (!Array.isArray(choices)) return false;
    let content = false;
    for (const raw of choices) {
      const choice = record(raw);
      if (!choice) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      let parts = this.choices.get(index);
      if (!parts) {
        parts = { index, role: undefined, contentParts: new TextParts(), refusalParts: new TextParts(), toolCalls: new Map(), finishReason: undefined };
        this.choices.set(index, parts);
      }
      const delta = record(choice.delta);
      if (delta) {
        if (typeof delta.role === 'string') parts.role = delta.role;
        if (typeof delta.content === 'string' && delta.content.length > 0) {
          parts.contentParts.push(delta.content);
          content = true;
        }
        if (typeof delta.refusal === 'string' && delta.refusal.length > 0) {
          parts.refusalParts.push(delta.refusal);
          content = true;
        }
        if (Array.isArray(delta.tool_calls)) {
          for (const rawCall of delta.tool_calls) {
            const toolCall = record(rawCall);
            if (!toolCall) continue;
            const callIndex = typeof toolCall.index === 'number' ? toolCall.index : 0;
            let call = parts.toolCalls.get(callIndex);
            if (!call) {
              call = { id: undefined, type: undefined, name: undefined, argumentParts: new TextParts() };
              parts.toolCalls.set(callIndex, call);
            }
            if (typeof toolCall.id === 'string') call.id = toolCall.id;
            if (typeof toolCall.type === 'string') call.type = toolCall.type;
            const fn = record(toolCall.function);
            if (fn) {
              if (typeof fn.name === 'string') call.name = fn.name;
              if (typeof fn.arguments === 'string' && fn.arguments.length > 0) call.argumentParts.push(fn.arguments);
            }
            content = true;
          }
        }
      }
      if (choice.finish_reason != null) parts.finishReason = choice.finish_reason;
    }
    return content;
  }

  result(): Record<string, unknown> {
    const choices = byIndex(this.choices).map((parts) => {
      const message: Record<string, unknown> = {
        role: parts.role ?? 'assistant',
        content: parts.contentParts.isEmpty ? null : parts.contentParts.text(),
      };
      if (!parts.refusalParts.isEmpty) message.refusal = parts.refusalParts.text();
      if (parts.toolCalls.size > 0) {
        message.tool_calls = byIndex(parts.toolCalls).map((call) => ({
          id: call.id,
          type: call.type ?? 'function',
          function: { name: call.name, arguments: call.argumentParts.text() },
        }));
      }
      return { index: parts.index, message, finish_reason: parts.finishReason ?? null };
    });
    const result = withKey(this.callFields, 'object', 'chat.completion');
    result.choices = choices;
    return result;
  }

  providerError(): unknown {
    // Chat streams report errors as `{ error }` events, which the SDK throws: nothing to add here.
    return undefined;
  }
}
