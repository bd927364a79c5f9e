// One process of test/budgets-processes.test.ts: a tracked client of the built package whose budget
// is kept in the Redis the test started, making its calls one after the other to the local OpenAI.
// Prints one JSON line: calls made, calls blocked, the budget events this process saw, and the
// budgets' debug lines (a store that did not answer in time says so there).
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { BudgetExceededError, createTrackedOpenAI, redisBudgetStore } from '../../dist/index.js';

const config = JSON.parse(process.argv[2] ?? '{}');
const client =
  config.client === 'redis' ? await createClient({ url: `redis://127.0.0.1:${config.redisPort}` }).connect() : new Redis(config.redisPort, '127.0.0.1');
/** @type {{ type: string; threshold?: number; reason?: string }[]} */
const events = [];
/** @type {string[]} */
const notes = [];
const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: config.baseURL, maxRetries: 0 }), {
  posthog: { capture() {} },
  provider: 'openai',
  debug: (message) => {
    if (String(message).startsWith('budgets')) notes.push(String(message));
  },
  budgets: {
    store: redisBudgetStore(client),
    // Long enough for a loaded machine: these tests are about what the store says, not about its delays.
    waitMs: 10_000,
    rules: [config.rule],
    onBudgetEvent: (event) => events.push({ type: event.type, threshold: event.threshold, reason: event.reason }),
  },
});

let made = 0;
let blocked = 0;
for (let i = 0; i < config.calls; i++) {
  try {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: config.maxTokens });
    made++;
  } catch (error) {
    if (!(error instanceof BudgetExceededError)) throw error;
    blocked++;
    if (config.untilBlocked) break;
  }
}
// The last call's spend goes to Redis in the tasks after it ends; QUIT waits for its answer.
await new Promise((resolve) => setTimeout(resolve, 50));
await client.quit();
process.stdout.write(`${JSON.stringify({ made, blocked, events, notes })}\n`);
