// Local stand-ins for OpenAI and PostHog, so that the demo, the examples' tests and a single example
// run on a machine with no accounts and no network. Both listen on 127.0.0.1 only, on a free port,
// and stop when `close()` is called. The examples know nothing of them: they read OPENAI_API_KEY,
// OPENAI_BASE_URL, POSTHOG_API_KEY and POSTHOG_HOST as in an app, and whoever runs them (demo.mjs,
// offline.mjs, the tests) points those variables here.
//
// - startFakeOpenAI(): an OpenAI-compatible API with realistic answers: chat completions, legacy
//   completions, the Responses API (background responses, retrieve, cancel, compact included) and
//   embeddings, streamed (SSE) or not, tool calls, usage with token counts, moderations, image
//   generation, audio transcription, and a 429 quota error for the model `rate-limited-model`.
// - startCaptureEndpoint(): a PostHog capture endpoint that keeps every event it receives.
//
// The servers themselves are the tests' stand-ins (test/support/local-openai.mjs and
// local-posthog.mjs, which the bench uses too); what is here is what the fake model answers.
import { localOpenAI, sendJson as writeJson } from '../../test/support/local-openai.mjs';
import { localPostHog } from '../../test/support/local-posthog.mjs';

let requestCounter = 0;
function nextId(prefix) {
  requestCounter += 1;
  return `${prefix}${Date.now().toString(36)}${requestCounter.toString(36).padStart(4, '0')}`;
}

function sendJson(res, status, body, headers = {}) {
  writeJson(res, status, body, { 'x-request-id': nextId('req_local_'), 'openai-processing-ms': '42', ...headers });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// What the fake model says

/** The dated snapshot a request for a model alias is served by, as OpenAI reports it. */
const SNAPSHOTS = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};
const snapshotOf = (model) => SNAPSHOTS[model] ?? model;

/** Roughly OpenAI's count: about four characters a token. */
const countTokens = (text) => Math.max(1, Math.ceil(String(text ?? '').length / 4));

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part?.text ?? part?.input_text ?? '').join(' ');
  return '';
}

const ANSWERS = [
  [/^review/i, 'The draft is accurate and polite; it can be sent as it is.'],
  [/hello|hi\b/i, 'Hello! PostHog LLM analytics is now recording this call: its model, tokens, cost and latency.'],
  [/weather/i, 'It is 18 °C and sunny in Paris right now, with a light breeze from the west.'],
  [/summar/i, 'In short: every LLM call becomes one PostHog event with its model, tokens, cost, latency and trace.'],
  [/refund|order|support/i, 'You can ask for a refund within 30 days from Orders → Request refund; it reaches your card in 3 to 5 days.'],
  [/stream|story/i, 'Once upon a time, a small program streamed its answer one word at a time, and PostHog counted every token.'],
];

function answerFor(question) {
  for (const [pattern, answer] of ANSWERS) if (pattern.test(question)) return answer;
  return 'PostHog LLM analytics records each call as an event, so you can see what every feature and user costs.';
}

/** Arguments for a function tool, filled from its JSON schema (the demo's get_weather gets a city). */
function argumentsFor(tool) {
  const schema = tool?.function?.parameters ?? tool?.parameters ?? {};
  const args = {};
  for (const name of schema.required ?? Object.keys(schema.properties ?? {})) {
    const property = schema.properties?.[name] ?? {};
    if (property.enum) args[name] = property.enum[0];
    else if (name === 'city' || name === 'location') args[name] = 'Paris';
    else if (property.type === 'number' || property.type === 'integer') args[name] = 1;
    else if (property.type === 'boolean') args[name] = true;
    else args[name] = 'example';
  }
  return JSON.stringify(args);
}

/**
 * The reply to a chat request: a tool call when tools are offered and no tool result came back
 * yet, otherwise text (built on the tool result when there is one).
 */
function chatReply(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1) ?? {};
  const tools = Array.isArray(body.tools) ? body.tools.filter((tool) => tool.type === 'function') : [];
  if (tools.length > 0 && last.role !== 'tool' && body.tool_choice !== 'none') {
    const tool = tools[0];
    return { toolCall: { id: nextId('call_'), name: tool.function.name, arguments: argumentsFor(tool) } };
  }
  if (last.role === 'tool') {
    let facts = textOf(last.content);
    try {
      const parsed = JSON.parse(facts);
      facts = Object.entries(parsed).map(([key, value]) => `${key} ${value}`).join(', ');
    } catch {
      // Not JSON: quote it as it is.
    }
    return { text: `Here is what I found: ${facts}.` };
  }
  const question = textOf([...messages].reverse().find((message) => message.role === 'user')?.content);
  return { text: answerFor(question) };
}

function usageForChat(body, replyTokens) {
  const promptText = (body.messages ?? []).map((message) => textOf(message.content) + JSON.stringify(message.tool_calls ?? '')).join(' ');
  const prompt = countTokens(promptText) + 7 * (body.messages?.length ?? 1) + (body.tools ? 40 * body.tools.length : 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: replyTokens,
    total_tokens: prompt + replyTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Splits text into stream pieces the way a model streams them: a word (with its space) at a time. */
const pieces = (text) => text.match(/\S+\s*/g) ?? [text];

// ---------------------------------------------------------------------------------------------
// The server

/**
 * An OpenAI-compatible server with realistic answers. `chunkDelayMs` spaces stream chunks (default 8).
 * Returns `{ baseURL, requests, failWith, close, unref }`: `requests` lists `{ method, path, body }` of
 * each request; `failWith(429)` answers every request with the quota error until `failWith(null)`;
 * `unref()` lets the process end while the server still listens.
 */
export async function startFakeOpenAI({ chunkDelayMs = 8 } = {}) {
  const requests = [];
  let failure = null;
  const backgroundJobs = new Map();

  async function streamSSE(req, res, events) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': nextId('req_local_') });
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    for (const [index, event] of events.entries()) {
      if (closed) return;
      if (index > 0) await sleep(chunkDelayMs);
      const name = event.type && event.type.startsWith('response.') ? `event: ${event.type}\n` : '';
      res.write(`${name}data: ${JSON.stringify(event)}\n\n`);
    }
    if (!closed) res.end(events.at(-1)?.type?.startsWith('response.') ? undefined : 'data: [DONE]\n\n');
  }

  function quotaError(res) {
    // A quota error does not go away by retrying, but the SDK retries 429s: say when (quickly).
    return sendJson(
      res,
      429,
      { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } },
      { 'retry-after-ms': '10' },
    );
  }

  function chatCompletions(req, res, body) {
    const reply = chatReply(body);
    const id = nextId('chatcmpl-local');
    const created = Math.floor(Date.now() / 1000);
    const model = snapshotOf(body.model);
    const toolCalls = reply.toolCall
      ? [{ id: reply.toolCall.id, type: 'function', function: { name: reply.toolCall.name, arguments: reply.toolCall.arguments } }]
      : undefined;
    const replyTokens = countTokens(reply.text ?? reply.toolCall.arguments) + (toolCalls ? 10 : 0);
    const usage = usageForChat(body, replyTokens);
    const finishReason = toolCalls ? 'tool_calls' : 'stop';

    if (!body.stream) {
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: reply.text ?? null, refusal: null, annotations: [], ...(toolCalls ? { tool_calls: toolCalls } : {}) },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        service_tier: 'default',
        system_fingerprint: 'fp_local0001',
      });
    }

    const withUsage = body.stream_options?.include_usage === true;
    const chunk = (delta, finish = null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_local0001',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(withUsage ? { usage: null } : {}),
    });
    const events = [chunk({ role: 'assistant', content: toolCalls ? null : '', refusal: null })];
    if (toolCalls) {
      const [call] = toolCalls;
      events.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      for (const piece of call.function.arguments.match(/.{1,8}/g) ?? []) {
        events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
      }
    } else {
      for (const piece of pieces(reply.text)) events.push(chunk({ content: piece }));
    }
    events.push(chunk({}, finishReason));
    if (withUsage) events.push({ ...chunk({}), choices: [], usage });
    return streamSSE(req, res, events);
  }

  function legacyCompletions(req, res, body) {
    const prompt = Array.isArray(body.prompt) ? body.prompt.join('\n') : String(body.prompt ?? '');
    const text = ` ${answerFor(prompt)}`;
    const id = nextId('cmpl-local');
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: countTokens(prompt), completion_tokens: countTokens(text), total_tokens: countTokens(prompt) + countTokens(text) };
    if (!body.stream) {
      return sendJson(res, 200, { id, object: 'text_completion', created, model: body.model, choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }], usage });
    }
    const chunk = (piece, finish = null) => ({ id, object: 'text_completion', created, model: body.model, choices: [{ index: 0, text: piece, logprobs: null, finish_reason: finish }] });
    const events = pieces(text).map((piece) => chunk(piece));
    events.push(chunk('', 'stop'));
    if (body.stream_options?.include_usage) events.push({ id, object: 'text_completion', created, model: body.model, choices: [], usage });
    return streamSSE(req, res, events);
  }

  function responses(req, res, body) {
    const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : [];
    const toolResult = input.findLast?.((item) => item.type === 'function_call_output');
    const tools = Array.isArray(body.tools) ? body.tools.filter((tool) => tool.type === 'function') : [];
    const question = textOf(input.findLast?.((item) => item.role === 'user')?.content);
    const id = nextId('resp_local');
    const model = snapshotOf(body.model);
    let item;
    if (tools.length > 0 && !toolResult && body.tool_choice !== 'none') {
      item = { id: nextId('fc_local'), type: 'function_call', status: 'completed', arguments: argumentsFor(tools[0]), call_id: nextId('call_'), name: tools[0].name };
    } else {
      const text = toolResult ? `Here is what I found: ${toolResult.output}.` : answerFor(question);
      item = { id: nextId('msg_local'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] };
    }
    const inputText = `${body.instructions ?? ''} ${input.map((entry) => textOf(entry.content) || entry.output || '').join(' ')}`;
    const outputTokens = countTokens(item.type === 'message' ? item.content[0].text : item.arguments);
    const inputTokens = countTokens(inputText) + 8 + 40 * tools.length;
    const response = (status, output, usage) => ({
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status,
      background: body.background === true,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      model,
      output,
      parallel_tool_calls: true,
      previous_response_id: body.previous_response_id ?? null,
      reasoning: { effort: null, summary: null },
      service_tier: 'default',
      store: true,
      temperature: body.temperature ?? 1,
      text: { format: { type: 'text' }, verbosity: 'medium' },
      tool_choice: body.tool_choice ?? 'auto',
      tools: body.tools ?? [],
      top_p: body.top_p ?? 1,
      truncation: 'disabled',
      usage,
      user: body.user ?? null,
      metadata: body.metadata ?? {},
    });
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    };
    if (!body.stream && !body.background) return sendJson(res, 200, response('completed', [item], usage));

    let sequence = 0;
    const event = (type, fields) => ({ type, sequence_number: sequence++, ...fields });
    const events = [event('response.created', { response: response('in_progress', [], null) }), event('response.in_progress', { response: response('in_progress', [], null) })];
    if (item.type === 'message') {
      const text = item.content[0].text;
      events.push(event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
      events.push(event('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }));
      for (const piece of pieces(text)) {
        events.push(event('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: piece, logprobs: [] }));
      }
      events.push(event('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text, logprobs: [] }));
      events.push(event('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: item.content[0] }));
    } else {
      events.push(event('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }));
      for (const piece of item.arguments.match(/.{1,8}/g) ?? []) {
        events.push(event('response.function_call_arguments.delta', { item_id: item.id, output_index: 0, delta: piece }));
      }
      events.push(event('response.function_call_arguments.done', { item_id: item.id, output_index: 0, arguments: item.arguments }));
    }
    events.push(event('response.output_item.done', { output_index: 0, item }));
    events.push(event('response.completed', { response: response('completed', [item], usage) }));
    if (body.background) {
      // A background response runs on: retrieve() sees it in progress once, then completed.
      backgroundJobs.set(id, { polls: 0, events, inProgress: response('in_progress', [], null), completed: response('completed', [item], usage) });
      if (!body.stream) return sendJson(res, 200, response('queued', [], null));
    }
    return streamSSE(req, res, events);
  }

  /** `retrieve(id)`, `retrieve(id, { stream: true, starting_after })` and `cancel(id)` of a background response. */
  function backgroundJob(req, res, url) {
    const [, id, cancel] = /^\/responses\/([^/]+)(\/cancel)?$/.exec(url.pathname.replace(/^\/v1/, '')) ?? [];
    const job = backgroundJobs.get(id);
    if (!job) return sendJson(res, 404, { error: { message: `No response found with id '${id}'.`, type: 'invalid_request_error', param: null, code: null } });
    if (cancel) return sendJson(res, 200, { ...job.inProgress, status: 'cancelled' });
    if (url.searchParams.get('stream') === 'true') {
      const after = Number(url.searchParams.get('starting_after') ?? -1);
      return streamSSE(req, res, job.events.filter((event) => event.sequence_number > after));
    }
    job.polls += 1;
    return sendJson(res, 200, job.polls < 2 ? job.inProgress : job.completed);
  }

  function compact(req, res, body) {
    const input = typeof body.input === 'string' ? body.input : JSON.stringify(body.input ?? '');
    const inputTokens = countTokens(`${body.instructions ?? ''} ${input}`) + 200;
    const usage = { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: 120, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: inputTokens + 120 };
    const output = [{ type: 'compaction', id: nextId('cmp_local'), encrypted_content: Buffer.from(input).toString('base64') }];
    return sendJson(res, 200, { id: nextId('resp_local'), object: 'response.compaction', created_at: Math.floor(Date.now() / 1000), output, usage });
  }

  function moderations(req, res, body) {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const results = inputs.map((input) => {
      const text = typeof input === 'string' ? input : (input?.text ?? '');
      const violence = /hurt|kill|attack/i.test(text);
      return {
        flagged: violence,
        categories: { harassment: false, 'self-harm': false, sexual: false, violence },
        category_scores: { harassment: 0.0012, 'self-harm': 0.0001, sexual: 0.0003, violence: violence ? 0.91 : 0.0008 },
        category_applied_input_types: { harassment: ['text'], 'self-harm': ['text'], sexual: ['text'], violence: ['text'] },
      };
    });
    return sendJson(res, 200, { id: nextId('modr-local'), model: 'omni-moderation-2024-09-26', results });
  }

  function imageGenerations(req, res, body) {
    const count = body.n ?? 1;
    const quality = body.quality && body.quality !== 'auto' ? body.quality : 'low';
    const size = body.size && body.size !== 'auto' ? body.size : '1024x1024';
    if (String(body.model).startsWith('dall-e')) {
      const data = Array.from({ length: count }, () => ({ url: `https://images.local/${nextId('img_')}.png?sig=local-signature`, revised_prompt: `A detailed picture: ${body.prompt}` }));
      return sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data });
    }
    // The gpt-image models answer in base64, with their token usage (OpenAI's counts for a 1024x1024 image).
    const imageTokens = { low: 272, medium: 1056, high: 4160 }[quality] ?? 272;
    const textTokens = countTokens(body.prompt);
    const data = Array.from({ length: count }, () => ({ b64_json: TINY_PNG }));
    const usage = { input_tokens: textTokens, input_tokens_details: { text_tokens: textTokens, image_tokens: 0 }, output_tokens: imageTokens * count, total_tokens: textTokens + imageTokens * count };
    return sendJson(res, 200, { created: Math.floor(Date.now() / 1000), background: 'opaque', data, output_format: 'png', quality, size, usage });
  }

  function transcriptions(req, res, raw) {
    const fields = formFields(raw);
    const text = 'Hi, this is a voice note: please add oat milk to the shopping list.';
    // The audio's length from the upload's size, as a 16 kHz, 16-bit mono WAV file (to a tenth of a second).
    const seconds = Math.max(1, Math.round(((raw.length - 44) / 32_000) * 10) / 10);
    const format = fields.response_format ?? 'json';
    if (format === 'text') return writeJson(res, 200, `${text}\n`, { 'content-type': 'text/plain', 'x-request-id': nextId('req_local_') });
    if (fields.model?.startsWith('gpt-')) {
      const audioTokens = Math.ceil(seconds * 10);
      const outputTokens = countTokens(text);
      const usage = { type: 'tokens', input_tokens: audioTokens, input_token_details: { text_tokens: 0, audio_tokens: audioTokens }, output_tokens: outputTokens, total_tokens: audioTokens + outputTokens };
      return sendJson(res, 200, { text, usage });
    }
    const usage = { type: 'duration', seconds: Math.round(seconds) };
    if (format === 'verbose_json') return sendJson(res, 200, { task: 'transcribe', language: 'english', duration: seconds, text, segments: [], usage });
    return sendJson(res, 200, { text, usage });
  }

  function embeddings(req, res, body) {
    const inputs = Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input : [body.input];
    const dimensions = body.dimensions ?? (String(body.model).includes('large') ? 3072 : 1536);
    const data = inputs.map((input, index) => {
      const vector = embed(Array.isArray(input) ? input.join(' ') : String(input), dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((sum, input) => sum + (Array.isArray(input) ? input.length : countTokens(input)), 0);
    return sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  const server = await localOpenAI(
    ({ request: req, response: res, body, invalidJson, raw }) => {
      const upload = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
      if (upload && req.method === 'POST' && req.url?.replace(/^\/v1/, '') === '/audio/transcriptions') {
        requests.push({ method: req.method, path: '/audio/transcriptions', body: formFields(raw) });
        return transcriptions(req, res, raw);
      }
      if (invalidJson) {
        return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } });
      }
      const path = new URL(req.url, 'http://localhost').pathname.replace(/^\/v1/, '');
      requests.push({ method: req.method, path, body });
      if (req.method === 'POST' && (body.model === 'rate-limited-model' || failure === 429)) return quotaError(res);
      if (req.method === 'POST' && path === '/chat/completions') return chatCompletions(req, res, body);
      if (req.method === 'POST' && path === '/completions') return legacyCompletions(req, res, body);
      if (req.method === 'POST' && path === '/responses') return responses(req, res, body);
      if (req.method === 'POST' && path === '/responses/compact') return compact(req, res, body);
      if (path.startsWith('/responses/')) return backgroundJob(req, res, new URL(req.url, 'http://localhost'));
      if (req.method === 'POST' && path === '/moderations') return moderations(req, res, body);
      if (req.method === 'POST' && path === '/embeddings') return embeddings(req, res, body);
      if (req.method === 'POST' && path === '/images/generations') return imageGenerations(req, res, body);
      return sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method} ${req.url}.`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
    },
    { keep: false },
  );
  return {
    baseURL: server.baseURL,
    requests,
    failWith(status) {
      failure = status;
    },
    close: server.close,
    unref: server.unref,
  };
}

/** A 1x1 transparent PNG: what the fake image model draws. */
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** The text fields of a multipart/form-data body (the uploaded file's bytes are skipped). */
function formFields(raw) {
  const fields = {};
  const text = raw.toString('latin1');
  for (const match of text.matchAll(/Content-Disposition: form-data; name="([^"]+)"\r\n\r\n([^\r]*)\r\n/gi)) fields[match[1]] = match[2];
  return fields;
}

/**
 * A deterministic embedding: words hashed into the vector's dimensions, normalized, so that texts
 * sharing words come out similar (as with a real model, in spirit).
 */
function embed(text, dimensions) {
  const vector = new Array(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let hash = 2166136261;
    for (const char of word) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
    vector[hash % dimensions] += 1;
    vector[(hash >>> 8) % dimensions] += 0.5;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((value) => value / norm);
}

// ---------------------------------------------------------------------------------------------
// PostHog

/**
 * A PostHog capture endpoint that keeps what it receives (posthog-node posts to `<host>/batch/`):
 * the tests' `localPostHog()`. A path before `/batch/` (a host of `http://127.0.0.1:PORT/quickstart`)
 * is kept as each event's `source`, so that one endpoint can tell several programs' events apart.
 * Returns `{ host, events, close, unref }`.
 */
export async function startCaptureEndpoint() {
  const endpoint = await localPostHog();
  return {
    host: endpoint.host,
    get events() {
      return endpoint.arrivals.map(({ source, event }) => ({ ...event, source }));
    },
    close: endpoint.close,
    unref: endpoint.unref,
  };
}
