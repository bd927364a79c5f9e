// Testing and debugging: check the PostHog connection, then see each event as it is sent.
//
//   npm run build && node examples/debugging.mjs
//   npx tracked-openai check        (the same connection check, from POSTHOG_API_KEY / POSTHOG_HOST)
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { checkPostHog, createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });

// 1. Does PostHog accept events with this key and host? Sends one `tracked_openai_check` event and
//    says plainly what is wrong: missing key, wrong host, unreachable, rejected.
const check = await checkPostHog(posthog, { print: true });

// 2. debug: see every event as it is sent (after the redact hook: what PostHog gets), and every
//    delivery problem. Here a function prints one line per event; `debug: true` logs to console.debug.
const openai = createTrackedOpenAI(new OpenAI(), {
  posthog,
  distinctId: 'user_42',
  properties: { feature: 'debugging' },
  redact: (event) => ({
    ...event,
    properties: { ...event.properties, $ai_input: JSON.parse(JSON.stringify(event.properties.$ai_input).replace(/\b\d{4}(?: ?\d{4}){3}\b/g, '[card]')) },
  }),
  debug: (message, detail) => {
    const input = detail?.properties?.$ai_input;
    console.log(`[debug] ${message}${input ? `: input sent ${JSON.stringify(input)}` : ''}`);
  },
  // A model that is not in the price table has no cost: its events carry $ai_cost_unknown_reason
  // and the debug log says so once. Give its price (USD per million tokens) to fix that.
  pricing: { overrides: { 'acme-internal-llm': { input: 0.5, output: 1.5 } } },
});

try {
  await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'My card 4242 4242 4242 4242 was charged twice, please check.' }],
  });
  // Models of your own (served by the local stand-in; the real API answers 404, tracked as an error).
  for (const model of ['acme-internal-llm', 'my-finetune-without-a-price']) {
    await openai.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'Hello!' }] })
      .catch((error) => console.log(`${model}: ${error.status} ${error.constructor.name} (tracked as an error)`));
  }
} finally {
  await posthog.shutdown();
}
if (!check.ok) process.exitCode = 1;
