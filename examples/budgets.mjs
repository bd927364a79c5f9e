// Budgets: each user may spend a little per day (UTC). At 80% PostHog gets a `$ai_budget_alert`
// (once per user and day, however many instances of the app see it), and at 100% the user's calls
// fail with BudgetExceededError before anything is sent to OpenAI; other users go on.
//
//   npm run build && node examples/budgets.mjs
//
// It reads OPENAI_API_KEY and POSTHOG_API_KEY (and POSTHOG_HOST) from the environment. No accounts?
//   node --import ./scripts/demo/offline.mjs examples/budgets.mjs
// With several instances, keep the spend in your Redis: `store: redisBudgetStore(redisClient)`.
import OpenAI from 'openai';
import { PostHog } from 'posthog-node';
import { BudgetExceededError, createTrackedOpenAI, withTracking } from 'tracked-openai';

const posthog = new PostHog(process.env.POSTHOG_API_KEY, { host: process.env.POSTHOG_HOST });

const openai = createTrackedOpenAI(new OpenAI(), {
  posthog,
  properties: { feature: 'budgets-example' },
  budgets: {
    rules: [
      // A tiny limit, so that a few calls reach it: a free tier would say 0.50 or so.
      { name: 'free-tier-daily', limitUsd: 0.0002, window: 'day', scope: 'distinctId', thresholds: [0.8, 1], action: 'block' },
    ],
    // Also sent to PostHog as events; this hook is for your own code (an email, a Slack message).
    onBudgetEvent: (event) => {
      if (event.type === 'threshold') console.log(`  alert: ${event.scopeKey} reached ${event.threshold * 100}% of $${event.limitUsd} today`);
    },
  },
});

/** One request of the app, for one signed-in user. */
async function answer(userId, question) {
  return withTracking({ distinctId: userId }, async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question }],
      max_tokens: 60,
    });
    return completion.choices[0].message.content;
  });
}

try {
  // At most 30 questions: the budget stops them long before.
  for (let i = 1; i <= 30; i++) {
    try {
      await answer('user_ann', `Question ${i}: name a colour in one word.`);
      console.log(`user_ann, call ${i}: answered`);
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      console.log(`user_ann, call ${i}: blocked ($${error.spendUsd} of $${error.limitUsd} spent; resets at ${error.resetsAt.toISOString()})`);
      break;
    }
  }
  // Another user has a budget of their own.
  await answer('user_bob', 'Name a fruit in one word.');
  console.log('user_bob: answered');
} finally {
  await posthog.shutdown();
}
