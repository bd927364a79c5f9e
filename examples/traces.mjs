// Traces: one request of your app makes several LLM calls: find the right help article
// (embeddings), draft an answer, review it. trace() groups them under one trace with the user and
// feature; span() marks the steps. PostHog's Traces view shows the tree: $ai_trace, $ai_span per
// step, and the $ai_embedding / $ai_generation events inside each step.
//
//   npm run build && node examples/traces.mjs
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI, span, trace } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog });

const HELP = ['Refunds: within 30 days, from Orders → Request refund.', 'Shipping: 2 to 4 working days.'];

/** What your request handler would call: every LLM call inside belongs to this user's trace. */
function answerSupportQuestion(userId, question) {
  return trace(
    'support-answer',
    async () => {
      const article = await span('retrieve', async () => {
        await openai.embeddings.create({ model: 'text-embedding-3-small', input: question });
        return HELP[0]; // a real app would look the vector up in its index
      });
      const draft = await span('draft', async () => {
        const completion = await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: `Answer with this help article: ${article}` },
            { role: 'user', content: question },
          ],
        });
        return completion.choices[0].message.content;
      });
      return span('review', async () => {
        const completion = await openai.chat.completions.create({
          model: 'gpt-4.1-mini',
          messages: [{ role: 'user', content: `Review this support answer and say if it can be sent: ${draft}` }],
        });
        return { draft, review: completion.choices[0].message.content };
      });
    },
    { distinctId: userId, properties: { feature: 'support-bot' }, input: { question }, captureOutput: true },
  );
}

try {
  for (const [user, question] of [
    ['user_42', 'How do I get a refund for my order?'],
    ['user_7', 'Can I return an order I got as a gift? I want a refund.'],
  ]) {
    const { draft, review } = await answerSupportQuestion(user, question);
    console.log(`${user}: ${draft}\n  review: ${review}`);
  }
} finally {
  await posthog.shutdown();
}
