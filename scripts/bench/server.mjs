// A local OpenAI-compatible server and PostHog capture endpoint for the benchmarks: the tests'
// stand-ins (test/support/local-openai.mjs, local-posthog.mjs) with the bench's answers, keeping
// no request and no event (only counting them). Runs in its own process (the machine has two
// cores: one for it, one for the client under test), listens on 127.0.0.1 only, prints
// `{"openai":"<baseURL>","posthog":"<host>"}` on one line, and exits when its parent closes stdin.
//
// `GET /bench/captured`, on the OpenAI stand-in's port, answers how many events reached the capture
// endpoint (gzip or plain JSON), so the benchmark can check that every call with real delivery gave
// exactly one event.
import { localOpenAI, sendJson } from '../../test/support/local-openai.mjs';
import { localPostHog } from '../../test/support/local-posthog.mjs';

const smallCompletion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Benchmarks measure, they do not guess.', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  service_tier: 'default',
});

const embedding = JSON.stringify({
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: Array.from({ length: 256 }, (_, i) => Math.sin(i) / 10) }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 8, total_tokens: 8 },
});

// Chunks as OpenAI writes them. With `stream_options.include_usage` (which tracking adds), every
// chunk has `"usage":null` and a last chunk with empty `choices` carries the usage; without it,
// neither is sent: the tracked client pays for the bytes it asks for. Every chunk ends with
// `"obfuscation"`, random padding of varying length that OpenAI adds unless the request sets
// `stream_options.include_obfuscation: false` (seen in recorded OpenAI streams since August 2025).
const streamBodies = new Map();
const PADDING = 'q7RmYFV8ad65HP9FzK2wLc4Tn';
function streamBody(chunks, includeUsage, includeObfuscation) {
  const key = `${chunks}:${includeUsage}:${includeObfuscation}`;
  let body = streamBodies.get(key);
  if (body) return body;
  const head = '"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_bench"';
  let count = 0;
  const tail = (usage) => {
    count += 1;
    const obfuscation = includeObfuscation ? `,"obfuscation":"${PADDING.slice(0, 1 + ((count * 7) % 16))}"` : '';
    return `${usage}${obfuscation}}`;
  };
  const usageNull = includeUsage ? ',"usage":null' : '';
  const chunk = (delta, finish) => `data: {${head},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${tail(usageNull)}\n\n`;
  const parts = [chunk('{"role":"assistant","content":"","refusal":null}', 'null')];
  for (let i = 0; i < chunks; i++) parts.push(chunk('{"content":"tok "}', 'null'));
  parts.push(chunk('{}', '"stop"'));
  if (includeUsage) {
    const usage =
      `,"usage":{"prompt_tokens":20,"completion_tokens":${chunks},"total_tokens":${chunks + 20},` +
      '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}';
    parts.push(`data: {${head},"choices":[]${tail(usage)}\n\n`);
  }
  parts.push('data: [DONE]\n\n');
  body = Buffer.from(parts.join(''));
  streamBodies.set(key, body);
  return body;
}

/**
 * Writes one event every `paceUs` microseconds, as a model writes its tokens (only much faster:
 * real models take 5 to 50 ms a token), so that the client reads them one at a time. The wait
 * turns the event loop (setImmediate) rather than blocking it.
 */
function writePaced(res, body, paceUs) {
  const events = body.toString('utf8').split(/(?<=\n\n)/);
  // The model's last token is followed at once by the finishing chunk, the usage and [DONE].
  const finish = events.findIndex((event) => event.includes('"finish_reason":"stop"'));
  if (finish > 0) events.splice(finish, events.length - finish, events.slice(finish).join(''));
  let next = 0;
  let due = performance.now();
  const step = () => {
    if (res.destroyed) return;
    if (performance.now() >= due) {
      res.write(events[next++]);
      if (next === events.length) return res.end();
      due += paceUs / 1000;
    }
    setImmediate(step);
  };
  step();
}

// Connections kept alive for 60 s (Node's default: 5 s), so that the clients reuse theirs across the
// bench's pauses rather than open new ones during a measurement.
const keepAliveMs = 60_000;
const posthog = await localPostHog({}, { keep: false, keepAliveMs });
const openai = await localOpenAI(
  ({ request, response, body }) => {
    if (request.url === '/bench/captured') return sendJson(response, 200, { captured: posthog.eventCount, badBatches: posthog.unreadable });
    if (request.url === '/v1/embeddings') return sendJson(response, 200, embedding, { 'x-request-id': 'req_bench' });
    if (request.url === '/v1/chat/completions') {
      const wanted = Number(request.headers['x-bench-stream-chunks'] ?? 0);
      if (wanted > 0) {
        const options = body.stream_options;
        const stream = streamBody(wanted, options?.include_usage === true, options?.include_obfuscation !== false);
        response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' });
        const paceUs = Number(request.headers['x-bench-stream-pace-us'] ?? 0);
        if (paceUs > 0) return writePaced(response, stream, paceUs);
        // Write in pieces of 64 KiB, as a network would deliver a long stream.
        for (let i = 0; i < stream.length; i += 65536) response.write(stream.subarray(i, i + 65536));
        return response.end();
      }
      return sendJson(response, 200, smallCompletion, { 'x-request-id': 'req_bench' });
    }
    response.writeHead(404);
    response.end();
  },
  { keep: false, keepAliveMs },
);
process.stdout.write(`${JSON.stringify({ openai: openai.baseURL, posthog: posthog.host })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
