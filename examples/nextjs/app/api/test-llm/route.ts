// app/api/test-llm/route.ts in a Next.js app (App Router): GET /api/test-llm, called by the page's
// "Test LLM" button. It uses only the web-standard Request and Response, so it also runs without
// Next (the tests call GET() directly).
import { APIError } from 'openai';
import { openai } from '../../../lib/posthog-openai';

export async function GET(request: Request): Promise<Response> {
  // Who clicked: in your app, the signed-in user's id (from your session); here an optional ?user=.
  const user = new URL(request.url).searchParams.get('user') ?? undefined;
  try {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to PostHog LLM analytics in one sentence.' }],
      max_tokens: 50,
      posthogDistinctId: user,
      posthogProperties: { feature: 'llm-test-button' },
    });
    return Response.json({
      answer: completion.choices[0]?.message.content ?? '',
      model: completion.model,
      tokens: completion.usage?.total_tokens,
    });
  } catch (error) {
    // A 429 is OpenAI's quota or rate limit, not PostHog's: the attempt is tracked all the same.
    const status = error instanceof APIError && error.status ? error.status : 500;
    const message =
      status === 429 ? 'OpenAI quota or rate limit reached (429). PostHog still tracked the attempt.' : 'The LLM call failed.';
    return Response.json({ error: message }, { status });
  }
}
