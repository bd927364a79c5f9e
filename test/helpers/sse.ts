/** Server-sent events bodies as OpenAI sends them, for nock replies and local servers. */

export function sseBody(events: unknown[], { done = true, named = false }: { done?: boolean; named?: boolean } = {}): string {
  const lines = events.map((event) => {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    const type = (event as { type?: unknown }).type;
    return named && typeof type === 'string' ? `event: ${type}\n${data}` : data;
  });
  if (done) lines.push('data: [DONE]\n\n');
  return lines.join('');
}

/** Splits a body into pieces of `size` characters, so lines are cut in the middle. */
export function splitEvery(body: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < body.length; i += size) pieces.push(body.slice(i, i + size));
  return pieces;
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'x-request-id': 'req_stream_1' };

/** Chat chunks for "Hello world!" with usage at the end (as sent when include_usage is on). */
export function chatChunks({ withUsage = true, model = 'gpt-4o-mini-2024-07-18' } = {}) {
  const base = { id: 'chatcmpl-s1', object: 'chat.completion.chunk', created: 1_700_000_000, model, service_tier: 'default', system_fingerprint: 'fp' };
  const usageField = withUsage ? { usage: null } : {};
  const chunks: Record<string, unknown>[] = [
    { ...base, ...usageField, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null }] },
    { ...base, ...usageField, choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] },
    { ...base, ...usageField, choices: [{ index: 0, delta: { content: ' world' }, finish_reason: null }] },
    { ...base, ...usageField, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] },
    { ...base, ...usageField, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
  if (withUsage) {
    chunks.push({
      ...base,
      choices: [],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 3,
        total_tokens: 12,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  }
  return chunks;
}
