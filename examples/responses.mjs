// The Responses API: responses.create(), a streamed response and a background one. Each sends one
// $ai_generation event; `instructions` is recorded as a system turn of $ai_input, the output items
// as $ai_output_choices, the streamed one when its stream ends (with $ai_time_to_first_token), and
// the background one when a retrieve() sees the job end (with the whole job's usage and cost).
//
//   npm run build && node examples/responses.mjs
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog, distinctId: 'user_42', properties: { feature: 'assistant' } });

try {
  const response = await openai.responses.create({
    model: 'gpt-4.1-mini',
    instructions: 'Answer in one sentence.',
    input: 'Summarize what PostHog LLM analytics records for each call.',
  });
  console.log(`responses.create(): ${response.output_text}`);

  // Streamed: events arrive as the model writes; the call is tracked once, when the stream ends.
  const stream = await openai.responses.create({
    model: 'gpt-4.1-mini',
    input: 'Tell me a very short story about streaming.',
    stream: true,
  });
  process.stdout.write('streamed: ');
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') process.stdout.write(event.delta);
  }
  process.stdout.write('\n');

  // In the background: create() returns at once with the job queued; poll it until it ends.
  let job = await openai.responses.create({
    model: 'gpt-4.1-mini',
    input: 'Summarize this quarter of support tickets.',
    background: true,
  });
  while (job.status === 'queued' || job.status === 'in_progress') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await openai.responses.retrieve(job.id);
  }
  // The text of its message items (retrieve() in openai before 5.1 has no output_text).
  const text = job.output.flatMap((item) => (item.type === 'message' ? item.content : [])).map((part) => part.text ?? '').join('');
  console.log(`background (${job.status}): ${text}`);
} finally {
  await posthog.shutdown();
}
