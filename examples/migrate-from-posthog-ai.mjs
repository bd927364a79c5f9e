// Moving from @posthog/ai: change the import; the client options and the per-call posthog* keys
// keep their names and meaning (they are removed from the request before it goes to OpenAI).
//
//   npm run build && node examples/migrate-from-posthog-ai.mjs
//
// Before:  import { OpenAI } from '@posthog/ai';
// After:
import { OpenAI } from 'tracked-openai';
import { PostHog } from 'posthog-node';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });

// Unchanged: the SDK's own options plus `posthog`.
const openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, posthog });

try {
  // Unchanged: per-call keys in the request body.
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hello! Can you check the status of my order?' }],
    posthogDistinctId: 'user_123',
    posthogTraceId: 'checkout-42',
    posthogProperties: { feature: 'checkout', plan: 'pro' },
    posthogGroups: { company: 'acme' },
  });
  console.log('Answer:', completion.choices[0].message.content);

  // posthogPrivacyMode: this call's event has no input or output, only the metadata.
  await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'My card number is ... please check my refund.' }],
    posthogDistinctId: 'user_123',
    posthogTraceId: 'checkout-42',
    posthogProperties: { feature: 'checkout' },
    posthogPrivacyMode: true,
  });
  console.log('A second call in the same trace, sent without its prompt and answer (posthogPrivacyMode).');
} finally {
  await posthog.shutdown();
}
