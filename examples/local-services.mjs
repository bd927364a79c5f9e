// Local stand-ins for OpenAI and PostHog, so the examples run on a machine with no accounts and no
// network. Both listen on 127.0.0.1 only and stop when `close()` is called.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
      resolve(raw.toString('utf8'));
    });
    req.on('error', reject);
  });
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
}

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_local_${Date.now()}`, ...headers });
  res.end(JSON.stringify(body));
}

/** An OpenAI-compatible server with canned, realistic answers. */
export async function startFakeOpenAI() {
  let counter = 0;
  const server = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || '{}');
    counter += 1;
    if (req.url === '/v1/chat/completions') {
      if (body.model === 'rate-limited-model') {
        return sendJson(res, 429, { error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', code: 'insufficient_quota' } });
      }
      const text = 'PostHog LLM analytics records this answer, its tokens, cost and latency.';
      return sendJson(res, 200, {
        id: `chatcmpl-local${counter}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model === 'gpt-4o-mini' ? 'gpt-4o-mini-2024-07-18' : body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: {
          prompt_tokens: 24,
          completion_tokens: 14,
          total_tokens: 38,
          prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
        },
        service_tier: 'default',
      });
    }
    if (req.url === '/v1/embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return sendJson(res, 200, {
        object: 'list',
        data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: [0.01, -0.02, 0.03] })),
        model: body.model,
        usage: { prompt_tokens: 6 * inputs.length, total_tokens: 6 * inputs.length },
      });
    }
    sendJson(res, 404, { error: { message: `No route ${req.url}`, type: 'invalid_request_error' } });
  });
  const url = await listen(server);
  return { baseURL: `${url}/v1`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A PostHog capture endpoint that keeps what it receives. */
export async function startCaptureEndpoint() {
  const events = [];
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    if (req.url.startsWith('/batch')) {
      events.push(...(JSON.parse(raw).batch ?? []));
    }
    sendJson(res, 200, { status: 1 });
  });
  const host = await listen(server);
  return { host, events, close: () => new Promise((resolve) => server.close(resolve)) };
}
