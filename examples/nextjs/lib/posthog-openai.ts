// lib/posthog-openai.ts in a Next.js app (the guide's "PostHog client setup"): one PostHog client
// and one tracked OpenAI client, created once per server instance and imported by route handlers.
import { PostHog } from 'posthog-node';
import { OpenAI } from 'tracked-openai'; // was: import { OpenAI } from '@posthog/ai'

export const posthog = new PostHog(process.env.POSTHOG_API_KEY!, {
  host: process.env.POSTHOG_HOST, // https://us.i.posthog.com (default) or https://eu.i.posthog.com
});

export const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
  posthog,
  // Route handlers on Vercel and other serverless hosts can be frozen as soon as the response is
  // sent: deliver each event before the call returns (waits at most immediateTimeoutMs, 1 s).
  // On a long-running `next start` server you can leave this out and let posthog-node batch.
  captureImmediate: true,
});
