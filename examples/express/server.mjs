// The flow of PostHog's LLM analytics guide, as an Express app: a page with a button that calls
// /api/test-llm, which makes one tracked OpenAI call and returns the answer.
//
//   npm run build && node examples/express/server.mjs      then open http://127.0.0.1:3000
//
// Button click → fetch('/api/test-llm') → this route → OpenAI (tracked) → PostHog ($ai_generation).
// It reads OPENAI_API_KEY, POSTHOG_API_KEY and POSTHOG_HOST from the environment; PORT (default
// 3000) and HOST (default 127.0.0.1) choose where it listens. No accounts? In this repository,
// `node --import ./scripts/demo/offline.mjs examples/express/server.mjs` runs it against local stand-ins.
import { fileURLToPath } from 'node:url';
import express from 'express';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

// lib/posthog-openai in the guide: one PostHog client and one tracked OpenAI client for the app.
const posthog = new PostHog(process.env.POSTHOG_API_KEY, {
  host: process.env.POSTHOG_HOST,
  flushAt: 1, // development: send each event at once. In production leave the defaults (batches of 20).
  flushInterval: 0,
});
const openai = createTrackedOpenAI(new OpenAI(), { posthog, properties: { feature: 'llm-test-button' } });

const app = express();
app.use(express.static(fileURLToPath(new URL('./public', import.meta.url))));

app.get('/api/test-llm', async (req, res) => {
  // Who clicked: your session's user id; here an optional ?user= (no user: an anonymous event).
  const user = typeof req.query.user === 'string' && req.query.user ? req.query.user : undefined;
  try {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to PostHog LLM analytics in one sentence.' }],
      max_tokens: 50,
      posthogDistinctId: user,
    });
    res.json({
      answer: completion.choices[0].message.content,
      model: completion.model,
      tokens: completion.usage?.total_tokens,
    });
  } catch (error) {
    // A 429 is OpenAI's quota or rate limit, not PostHog: the attempt is tracked all the same.
    const status = error instanceof OpenAI.APIError && error.status ? error.status : 500;
    res.status(status).json({
      error: status === 429 ? 'OpenAI quota or rate limit reached (429). PostHog still tracked the attempt.' : 'The LLM call failed.',
    });
  }
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
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
