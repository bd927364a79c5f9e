// Server-sent events bodies as OpenAI sends them, for nock replies and local servers, and the
// chunks and events each API streams.

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

// The headers of a streamed answer, one definition with the local OpenAI's (plain JavaScript, for the demo and the bench).
export { SSE_HEADERS } from './local-openai.mjs';

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

// ---------------------------------------------------------------------------------------------
// The chunks and events of each API

const CHUNK_BASE = { id: 'chatcmpl-m1', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp' };

/**
 * A chat stream with `n: 3`: choice 0 answers text, choice 1 refuses, choice 2 calls two tools whose
 * arguments arrive in fragments. Usage at the end when asked for.
 */
export function multiChoiceChunks({ withUsage = true } = {}) {
  const usageField = withUsage ? { usage: null } : {};
  const chunk = (choices: unknown[]) => ({ ...CHUNK_BASE, ...usageField, choices });
  const chunks: Record<string, unknown>[] = [
    chunk([
      { index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null },
      { index: 1, delta: { role: 'assistant', content: null, refusal: '' }, finish_reason: null },
      { index: 2, delta: { role: 'assistant', content: null }, finish_reason: null },
    ]),
    chunk([{ index: 0, delta: { content: 'Sunny' }, finish_reason: null }]),
    chunk([{ index: 1, delta: { refusal: "I can't" }, finish_reason: null }]),
    chunk([
      {
        index: 2,
        delta: { tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
        finish_reason: null,
      },
    ]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: ' in Paris' }, finish_reason: null }]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: 'ty":"Pa' } }] }, finish_reason: null }]),
    chunk([{ index: 1, delta: { refusal: ' help with that.' }, finish_reason: null }]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 0, function: { arguments: 'ris"}' } }] }, finish_reason: null }]),
    chunk([
      {
        index: 2,
        delta: { tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }] },
        finish_reason: null,
      },
    ]),
    chunk([{ index: 2, delta: { tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }, finish_reason: null }]),
    chunk([
      { index: 0, delta: {}, finish_reason: 'stop' },
      { index: 1, delta: {}, finish_reason: 'stop' },
      { index: 2, delta: {}, finish_reason: 'tool_calls' },
    ]),
  ];
  if (withUsage) {
    chunks.push({
      ...CHUNK_BASE,
      choices: [],
      usage: {
        prompt_tokens: 40,
        completion_tokens: 30,
        total_tokens: 70,
        prompt_tokens_details: { cached_tokens: 16 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  }
  return chunks;
}

/** The output choices PostHog should receive for `multiChoiceChunks()`. */
export const MULTI_CHOICE_OUTPUT = [
  { role: 'assistant', content: 'Sunny in Paris' },
  { role: 'assistant', content: null, refusal: "I can't help with that." },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
    ],
  },
];

/** Legacy completion chunks (`n: 2`): " world" and " there", usage at the end when asked for. */
export function legacyChunks({ withUsage = true } = {}) {
  const base = { id: 'cmpl-s1', object: 'text_completion', created: 1_700_000_000, model: 'gpt-3.5-turbo-instruct' };
  const usageField = withUsage ? { usage: null } : {};
  const choice = (index: number, text: string, finish_reason: string | null = null) => ({ text, index, logprobs: null, finish_reason });
  const chunks: Record<string, unknown>[] = [
    { ...base, ...usageField, choices: [choice(0, ' wor')] },
    { ...base, ...usageField, choices: [choice(1, ' the')] },
    { ...base, ...usageField, choices: [choice(0, 'ld')] },
    { ...base, ...usageField, choices: [choice(1, 're')] },
    { ...base, ...usageField, choices: [choice(0, '', 'length'), choice(1, '', 'stop')] },
  ];
  if (withUsage) chunks.push({ ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
  return chunks;
}

const RESPONSE_BASE = {
  id: 'resp_s1',
  object: 'response',
  created_at: 1_700_000_000,
  model: 'gpt-4.1-2025-04-14',
  instructions: null,
  incomplete_details: null,
  error: null,
  service_tier: 'default',
};

export const RESPONSES_USAGE = {
  input_tokens: 20,
  input_tokens_details: { cached_tokens: 10 },
  output_tokens: 7,
  output_tokens_details: { reasoning_tokens: 3 },
  total_tokens: 27,
};

/**
 * Responses API events for the text "Hi there!", ending with `ending`: `response.completed` (with
 * usage), `response.incomplete` (max_output_tokens), `response.failed`, an `error` event after the
 * deltas, or nothing (cut off).
 */
export function responsesEvents(ending: 'completed' | 'incomplete' | 'failed' | 'error' | 'none' = 'completed') {
  let sequence = 0;
  const ev = (type: string, fields: Record<string, unknown>) => ({ type, sequence_number: sequence++, ...fields });
  const inProgress = { ...RESPONSE_BASE, status: 'in_progress', output: [], usage: null };
  const message = {
    type: 'message',
    id: 'msg_1',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: 'Hi there!', annotations: [] }],
  };
  const deltas = ['Hi', ' there', '!'];
  const events: Record<string, unknown>[] = [
    ev('response.created', { response: inProgress }),
    ev('response.in_progress', { response: inProgress }),
    ev('response.output_item.added', { output_index: 0, item: { ...message, status: 'in_progress', content: [] } }),
    ev('response.content_part.added', {
      item_id: 'msg_1',
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...deltas.map((delta) => ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta, logprobs: [] })),
  ];
  if (ending === 'error') {
    events.push(ev('error', { code: 'server_error', message: 'The server had an error while processing your request.', param: null }));
    return events;
  }
  if (ending === 'none') return events;
  events.push(
    ev('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hi there!', logprobs: [] }),
    ev('response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part: message.content[0] }),
    ev('response.output_item.done', { output_index: 0, item: message }),
  );
  if (ending === 'completed') {
    events.push(ev('response.completed', { response: { ...RESPONSE_BASE, status: 'completed', output: [message], usage: RESPONSES_USAGE } }));
  } else if (ending === 'incomplete') {
    events.push(
      ev('response.incomplete', {
        response: {
          ...RESPONSE_BASE,
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [{ ...message, status: 'incomplete' }],
          usage: RESPONSES_USAGE,
        },
      }),
    );
  } else {
    events.push(
      ev('response.failed', {
        response: {
          ...RESPONSE_BASE,
          status: 'failed',
          error: { code: 'server_error', message: 'The model failed to generate a response.' },
          output: [],
          usage: null,
        },
      }),
    );
  }
  return events;
}

/** A chat stream of `count` one-word chunks, built as one string without quadratic concatenation. */
export function longChatBody(count: number, { withUsage = true } = {}): { body: string; text: string } {
  const words: string[] = [];
  const lines: string[] = [];
  const head = `{"id":"chatcmpl-long","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18"${withUsage ? ',"usage":null' : ''},"choices":[{"index":0,"delta":`;
  lines.push(`data: ${head}{"role":"assistant","content":""},"finish_reason":null}]}\n\n`);
  for (let i = 0; i < count; i++) {
    const word = `w${i % 100} `;
    words.push(word);
    lines.push(`data: ${head}{"content":"${word}"},"finish_reason":null}]}\n\n`);
  }
  lines.push(`data: ${head}{},"finish_reason":"stop"}]}\n\n`);
  if (withUsage) {
    lines.push(
      `data: {"id":"chatcmpl-long","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":${count},"total_tokens":${count + 5}}}\n\n`,
    );
  }
  lines.push('data: [DONE]\n\n');
  return { body: lines.join(''), text: words.join('') };
}
