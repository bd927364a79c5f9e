/**
 * The conversation as the GenAI conventions' opt-in content attributes hold it
 * (`gen_ai.input.messages`, `gen_ai.output.messages`: messages of typed parts, as JSON), from what
 * the PostHog event carries (`$ai_input`, `$ai_output_choices`: chat messages, a legacy prompt, or
 * Responses items), already without content in privacy mode and without inline media.
 */

type Part = Record<string, unknown>;
interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One content part: text, an image or file by URL, or its type alone for anything else. */
function partOf(content: unknown): Part {
  if (typeof content === 'string') return { type: 'text', content };
  if (!isRecord(content)) return { type: 'text', content: String(content) };
  if (typeof content.text === 'string') return { type: 'text', content: content.text };
  if (typeof content.refusal === 'string') return { type: 'text', content: content.refusal };
  const imageURL = isRecord(content.image_url) ? content.image_url.url : content.image_url;
  if (typeof imageURL === 'string') return { type: 'uri', modality: 'image', uri: imageURL };
  return { type: typeof content.type === 'string' ? content.type : 'unknown' };
}

function partsOf(content: unknown): Part[] {
  if (content === null || content === undefined) return [];
  return Array.isArray(content) ? content.map(partOf) : [partOf(content)];
}

function toolCallsOf(toolCalls: unknown): Part[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.filter(isRecord).map((call) => {
    const fn = isRecord(call.function) ? call.function : {};
    return { type: 'tool_call', id: call.id, name: fn.name, arguments: fn.arguments };
  });
}

/** A chat message, a Responses input or output item, or a bare string (a legacy prompt). */
function messageOf(item: unknown, defaultRole: string): Message {
  if (!isRecord(item)) return { role: defaultRole, parts: partsOf(item) };
  if (item.type === 'function_call') {
    return { role: 'assistant', parts: [{ type: 'tool_call', id: item.call_id, name: item.name, arguments: item.arguments }] };
  }
  if (item.type === 'function_call_output') {
    return { role: 'tool', parts: [{ type: 'tool_call_response', id: item.call_id, response: item.output }] };
  }
  const role = typeof item.role === 'string' ? item.role : defaultRole;
  if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: item.tool_call_id, response: item.content }] };
  const parts = [...partsOf(item.content), ...toolCallsOf(item.tool_calls)];
  if (parts.length === 0 && typeof item.type === 'string') parts.push({ type: item.type });
  return { role, parts };
}

/** `gen_ai.input.messages` as JSON, or undefined when the event has no input (privacy mode, embeddings). */
export function inputMessages(input: unknown): string | undefined {
  if (input === null || input === undefined) return undefined;
  const items = Array.isArray(input) && !input.every((item) => typeof item === 'string') ? input : [input];
  return JSON.stringify(items.map((item) => messageOf(item, 'user')));
}

/** `gen_ai.output.messages` as JSON, each with its finish reason where known (by position). */
export function outputMessages(output: unknown, finishReasons: readonly string[] | undefined): string | undefined {
  if (!Array.isArray(output)) return undefined;
  return JSON.stringify(
    output.map((item, index) => {
      const message = messageOf(item, 'assistant');
      const reason = finishReasons?.[index] ?? finishReasons?.[0];
      return reason === undefined ? message : { ...message, finish_reason: reason };
    }),
  );
}
