// Quickstart: wrap an OpenAI client, make one call, flush, and see what PostHog received.
//
//   npm run demo
//
// With OPENAI_API_KEY and POSTHOG_API_KEY (and optionally POSTHOG_HOST) in the environment it uses
// the real services; otherwise it starts local stand-ins on 127.0.0.1.
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';
import { startCaptureEndpoint, startFakeOpenAI } from './local-services.mjs';

const useRealOpenAI = Boolean(process.env.OPENAI_API_KEY);
const useRealPostHog = Boolean(process.env.POSTHOG_API_KEY);
const fakeOpenAI = useRealOpenAI ? undefined : await startFakeOpenAI();
const capture = useRealPostHog ? undefined : await startCaptureEndpoint();

const posthog = new PostHog(process.env.POSTHOG_API_KEY ?? 'phc_local_demo', {
  host: process.env.POSTHOG_HOST ?? capture?.host ?? 'https://us.i.posthog.com',
});

// The one line that adds tracking:
const openai = createTrackedOpenAI(
  new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'sk-local-demo', baseURL: fakeOpenAI?.baseURL }),
  { posthog, distinctId: 'demo-user', properties: { feature: 'quickstart' } },
);

try {
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello to PostHog LLM analytics in one sentence.' }],
    max_tokens: 50,
  });
  console.log('OpenAI answered:', completion.choices[0].message.content);

  try {
    await openai.chat.completions.create({ model: 'rate-limited-model', messages: [{ role: 'user', content: 'hi' }] });
  } catch (error) {
    console.log(`A failing call still throws as usual (${error.constructor.name} ${error.status}) and is tracked too.`);
  }
} finally {
  await posthog.shutdown(); // deliver queued events before the process ends
  await fakeOpenAI?.close();
  await capture?.close();
}

if (capture) {
  console.log(`\nPostHog received ${capture.events.length} event(s):`);
  console.table(
    capture.events.map(({ event, distinct_id, properties: p }) => ({
      event,
      user: distinct_id,
      model: p.$ai_model,
      input_tokens: p.$ai_input_tokens,
      output_tokens: p.$ai_output_tokens,
      latency_s: Number(p.$ai_latency.toFixed(3)),
      status: p.$ai_http_status,
      error: p.$ai_is_error,
      feature: p.feature,
    })),
  );
} else {
  console.log('\nEvents sent to PostHog: open LLM analytics → Generations to see them.');
}
