// Quickstart: wrap an OpenAI client, make a call, and deliver the events before the process ends.
//
//   npm run build && node examples/quickstart.mjs
//
// It reads OPENAI_API_KEY and POSTHOG_API_KEY (and POSTHOG_HOST if you are not on PostHog's US
// cloud) from the environment, as your app does. No accounts? In this repository,
//   node --import ./scripts/demo/offline.mjs examples/quickstart.mjs
// runs it against local stand-ins and prints what PostHog received.
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });

// The one line that adds tracking (new OpenAI() reads OPENAI_API_KEY and OPENAI_BASE_URL):
const openai = createTrackedOpenAI(new OpenAI(), {
  posthog,
  distinctId: 'demo-user',
  properties: { feature: 'quickstart' },
});

try {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello to PostHog LLM analytics in one sentence.' }],
    max_tokens: 50,
  });
  console.log('OpenAI answered:', completion.choices[0].message.content);

  try {
    // A call that fails: the real API answers this unknown model with 404, the local stand-in with 429.
    await openai.chat.completions.create({ model: 'rate-limited-model', messages: [{ role: 'user', content: 'hi' }] });
  } catch (error) {
    console.log(`A failing call still throws as usual (${error.constructor.name} ${error.status}) and is tracked too.`);
  }
} finally {
  await posthog.shutdown(); // deliver the queued events before the process ends
}
