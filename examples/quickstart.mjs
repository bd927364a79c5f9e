// Quickstart: wrap an OpenAI client, make a call, flush, and see what PostHog received.
//
//   npm run build && node examples/quickstart.mjs
//
// With OPENAI_API_KEY and POSTHOG_API_KEY (and POSTHOG_HOST if you are not on PostHog's US cloud)
// in the environment it uses the real services; otherwise local stand-ins on 127.0.0.1.
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';
import { startLocalServicesIfNoKeys } from './local-services.mjs';

// Only for running this example without accounts: fills OPENAI_BASE_URL / POSTHOG_HOST with local servers.
const local = await startLocalServicesIfNoKeys();

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
    // The local stand-in answers this model with 429 "You exceeded your current quota" (the real API: 404).
    await openai.chat.completions.create({ model: 'rate-limited-model', messages: [{ role: 'user', content: 'hi' }] });
  } catch (error) {
    console.log(`A failing call still throws as usual (${error.constructor.name} ${error.status}) and is tracked too.`);
  }
} finally {
  await posthog.shutdown(); // deliver the queued events before the process ends
  await local.finish(); // stops the local stand-ins and prints what the local PostHog received
}
