// Streaming to an HTTP response: a small server whose GET /api/story?q=... writes the model's
// answer to the browser as it arrives. The call is tracked once, when the stream ends
// ($ai_stream, $ai_time_to_first_token, $ai_stream_ending). If the client goes away mid-answer,
// the OpenAI request is aborted (no more tokens paid for) and tracked with the partial answer.
//
//   npm run build && node examples/streaming.mjs        then: curl -N http://127.0.0.1:3000/api/story
//
// No accounts? `node --import ./scripts/demo/offline.mjs examples/streaming.mjs` (local stand-ins).
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog, properties: { feature: 'story' } });

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/api/story') {
    res.writeHead(404).end('Not found\n');
    return;
  }
  try {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: url.searchParams.get('q') || 'Tell me a very short story about streaming.' }],
      stream: true, // token usage is asked for (stream_options.include_usage) and tracked for you
      posthogDistinctId: url.searchParams.get('user') ?? undefined,
    });
    res.on('close', () => {
      if (!res.writableFinished) stream.controller.abort(); // the client left mid-answer
    });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    for await (const chunk of stream) res.write(chunk.choices[0]?.delta?.content ?? '');
    res.end('\n');
  } catch (error) {
    if (!res.headersSent) res.writeHead(error.status ?? 500, { 'content-type': 'text/plain' });
    res.end(`The LLM call failed (${error.status ?? 'no status'}).\n`);
  }
});

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`Listening on http://${address}:${port}`);
});

// Requests under way, so that stopping lets them finish (and be tracked) first.
let active = 0;
server.on('request', (req, res) => {
  active += 1;
  res.once('close', () => (active -= 1));
});

// On Ctrl-C or a stop signal: take no new connections, let requests under way finish (5 s at most),
// close the connections left (keep-alive and spare ones), send what PostHog has not received yet.
async function shutdown() {
  server.close();
  for (let waited = 0; active > 0 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  server.closeAllConnections();
  await posthog.shutdown();
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
