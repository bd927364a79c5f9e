// Embeddings: a small semantic search. Each embeddings.create() call sends one $ai_embedding event
// (model, input, input tokens, cost, latency); the vectors themselves are not sent to PostHog.
//
//   npm run build && node examples/embeddings.mjs
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog, distinctId: 'user_42', properties: { feature: 'help-search' } });

const articles = [
  'How to ask for a refund of an order',
  'Changing the email address of your account',
  'Shipping times and tracking a parcel',
];

function cosine(a, b) {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}

try {
  // One call for all the articles (one event, input tokens of all of them)...
  const index = await openai.embeddings.create({ model: 'text-embedding-3-small', input: articles });
  // ...and one for the question.
  const question = 'I want my money back for an order';
  const [query] = (await openai.embeddings.create({ model: 'text-embedding-3-small', input: question })).data;

  const ranked = index.data
    .map((item) => ({ article: articles[item.index], score: cosine(query.embedding, item.embedding) }))
    .sort((a, b) => b.score - a.score);
  console.log(`Question: ${question}`);
  console.log(`Best match: ${ranked[0].article} (similarity ${ranked[0].score.toFixed(2)}, ${query.embedding.length} dimensions)`);
} finally {
  await posthog.shutdown();
}
