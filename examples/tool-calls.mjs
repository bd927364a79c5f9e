// Tool calls: the model asks for a function, we run it and send the result back, and the model
// answers. Each request is one $ai_generation event ($ai_tools lists the tools offered; the first
// event's output holds the tool call, with $ai_stop_reason "tool_calls"). withTracking() gives both
// calls the same user, feature and trace, so PostHog's Traces view shows them together.
//
//   npm run build && node examples/tool-calls.mjs
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { createTrackedOpenAI, withTracking } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });
const openai = createTrackedOpenAI(new OpenAI(), { posthog });

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
    },
  },
];

// Your real implementation would call a weather service.
function getWeather({ city }) {
  return { city, temperature_c: 18, conditions: 'sunny' };
}

async function askWithTools(question) {
  const messages = [{ role: 'user', content: question }];
  // Bounded: a model that keeps asking for tools is stopped after a few rounds.
  for (let round = 0; round < 5; round += 1) {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
    const message = completion.choices[0].message;
    if (!message.tool_calls?.length) return message.content;
    messages.push(message);
    for (const call of message.tool_calls) {
      const result = call.function.name === 'get_weather' ? getWeather(JSON.parse(call.function.arguments)) : { error: 'unknown tool' };
      console.log(`The model called ${call.function.name}(${call.function.arguments})`);
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  return '(no answer after 5 rounds of tool calls)';
}

try {
  const answer = await withTracking(
    { distinctId: 'user_7', traceId: randomUUID(), properties: { feature: 'weather-assistant' } },
    () => askWithTools('What is the weather in Paris?'),
  );
  console.log(`Answer: ${answer}`);
} finally {
  await posthog.shutdown();
}
