import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BudgetExceededError, type BudgetEvent, type BudgetOptions, type BudgetStore, createTrackedOpenAI, withTracking } from '../../src/index.js';
import { type LocalOpenAI, localOpenAI, sendJson, sendSse } from '../support/local-openai.mjs';
import { recordingPostHog } from '../support/local-posthog.mjs';
import { rejectionOf } from '../support/checks.js';
import { clearOfWindowEdge, settle, waitFor } from '../support/time.js';

// The budget behaviour every store must have, run against each (test/budgets.test.ts for the
// memory store, test/budgets-redis.test.ts for Redis through both clients).

/**
 * gpt-4o-mini's prices are $0.15 and $0.60 per million input and output tokens: a call answered
 * with `prompt_tokens: 20` and `completion_tokens: N` costs 3 + 0.6·N micro-USD. The stand-in
 * answers with `completion_tokens` = the request's `max_tokens` (default 5): every call's cost is
 * a whole number of micro-USD, chosen by the test.
 */
export function costMicros(maxTokens = 5): number {
  return 3 + 0.6 * maxTokens;
}

/** The OpenAI stand-in of the budget tests: a priced answer whose output tokens are the request's `max_tokens`. */
export async function budgetOpenAI(delayMs = 0): Promise<LocalOpenAI> {
  return localOpenAI(async ({ response, body }) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const completion = typeof body.max_tokens === 'number' ? body.max_tokens : 5;
    const usage = { prompt_tokens: 20, completion_tokens: completion, total_tokens: 20 + completion };
    if (body.stream === true) {
      const chunk = { id: 'chatcmpl-budget', object: 'chat.completion.chunk', created: 1_700_000_000, model: body.model };
      sendSse(response, [
        { ...chunk, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }] },
        { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
        { ...chunk, choices: [], usage },
      ]);
      return;
    }
    sendJson(response, 200, {
      id: 'chatcmpl-budget',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage,
    });
  });
}

export interface BudgetClient {
  openai: OpenAI;
  messages: ReturnType<typeof recordingPostHog>['messages'];
  events: BudgetEvent[];
}

/** A tracked client of the stand-in (priced as OpenAI), its PostHog messages and its budget events. */
export function budgetClient(server: LocalOpenAI, budgets: Omit<BudgetOptions, 'onBudgetEvent'>, extra: Record<string, unknown> = {}): BudgetClient {
  const { posthog, messages } = recordingPostHog();
  const events: BudgetEvent[] = [];
  const openai = createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }), {
    posthog,
    provider: 'openai',
    budgets: { ...budgets, onBudgetEvent: (event) => events.push(event) },
    ...extra,
  });
  return { openai, messages, events };
}

export function ask(openai: OpenAI, extra: Record<string, unknown> = {}) {
  return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...extra } as never);
}

/** Until the events of ended calls are built and the store has answered. */
export async function quiet(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export function behaviour(name: string, makeStore: () => BudgetStore | Promise<BudgetStore>, waitMs = 1000): void {
  describe(`budgets with the ${name} store`, () => {
    let server: LocalOpenAI;
    beforeAll(async () => {
      server = await budgetOpenAI();
    });
    afterAll(async () => {
      await server.close();
    });
    // Each test counts within one window of its rules.
    beforeEach(() => clearOfWindowEdge());
    // Each test's own rule names, so that stores shared across tests never mix counters.
    let n = 0;
    const ruleName = (base: string) => `${base}-${process.pid}-${Date.now()}-${++n}`;

    test('a warn rule alerts once per threshold, and calls go on past the limit', async () => {
      const rule = ruleName('warn');
      const { openai, messages, events } = budgetClient(server, {
        store: await makeStore(),
        waitMs,
        rules: [{ name: rule, limitUsd: costMicros() * 4 / 1e6, window: 'day', thresholds: [0.5, 0.8, 1], action: 'warn' }],
      });
      for (let i = 0; i < 6; i++) await ask(openai);
      // A remote store answers the last spend a little later, under load.
      await waitFor(() => events.length >= 3);
      await quiet();
      const alerts = messages.filter((m) => m.event === '$ai_budget_alert');
      expect(alerts.map((m) => m.properties.$ai_budget_threshold)).toEqual([0.5, 0.8, 1]);
      expect(events.map((e) => [e.type, e.threshold])).toEqual([['threshold', 0.5], ['threshold', 0.8], ['threshold', 1]]);
      const limitAlert = alerts[2]!.properties;
      expect(limitAlert.$ai_budget_rule).toBe(rule);
      expect(limitAlert.$ai_budget_scope).toBe('client');
      // The spend when the limit was crossed: the fourth call's, or later ones' too when a remote
      // store took several calls' spend in one batch.
      expect(limitAlert.$ai_budget_spend_usd).toBeGreaterThanOrEqual((costMicros() * 4) / 1e6 - 1e-12);
      expect(limitAlert.$ai_budget_spend_usd).toBeLessThanOrEqual((costMicros() * 6) / 1e6 + 1e-12);
      expect(limitAlert.$ai_budget_window).toBe('day');
      expect(messages.filter((m) => m.event === '$ai_generation')).toHaveLength(6);
    });

    test('a block rule stops the call before anything is sent, with BudgetExceededError and one event', async () => {
      const rule = ruleName('block');
      const { openai, messages, events } = budgetClient(server, {
        store: await makeStore(),
        waitMs,
        rules: [{ name: rule, limitUsd: (costMicros() * 2) / 1e6, window: 'hour', action: 'block' }],
      });
      await ask(openai);
      await ask(openai);
      const sentBefore = server.requests.length;
      const error = await rejectionOf(ask(openai));
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error).not.toBeInstanceOf(OpenAI.APIError);
      expect(error).toMatchObject({ rule, scope: 'client', scopeKey: 'all', limitUsd: (costMicros() * 2) / 1e6, reason: 'limit' });
      expect(error.spendUsd).toBeCloseTo((costMicros() * 2) / 1e6, 9);
      const hour = 3_600_000;
      expect(error.resetsAt.getTime()).toBe(Math.floor(Date.now() / hour) * hour + hour);
      // The SDK's own promise: withResponse() and asResponse() reject the same way, nothing retried or sent.
      const promise = ask(openai) as ReturnType<OpenAI['chat']['completions']['create']>;
      expect(typeof promise.withResponse).toBe('function');
      expect(await rejectionOf(promise.withResponse())).toBeInstanceOf(BudgetExceededError);
      expect(await rejectionOf(ask(openai).asResponse())).toBeInstanceOf(BudgetExceededError);
      await quiet();
      expect(server.requests.length).toBe(sentBefore);
      const blocked = messages.filter((m) => m.event === '$ai_budget_blocked');
      expect(blocked).toHaveLength(3);
      expect(blocked[0]!.properties).toMatchObject({ $ai_budget_rule: rule, $ai_budget_block_reason: 'limit', $ai_model: 'gpt-4o-mini' });
      expect(messages.filter((m) => m.event === '$ai_generation')).toHaveLength(2);
      expect(events.filter((e) => e.type === 'blocked')).toHaveLength(3);
    });

    test('a blocked call is not retried by the SDK', async () => {
      const rule = ruleName('retry');
      const { openai } = budgetClient(server, { store: await makeStore(), waitMs, rules: [{ name: rule, limitUsd: 1e-6, window: 'hour', action: 'block' }] });
      await ask(openai);
      const retrying = openai.withOptions({ maxRetries: 3 });
      const started = performance.now();
      expect(await rejectionOf(ask(retrying))).toBeInstanceOf(BudgetExceededError);
      expect(performance.now() - started).toBeLessThan(300);
    });

    test('scopes: per person, per property, per group, each key its own budget', async () => {
      const person = ruleName('person');
      const feature = ruleName('feature');
      const company = ruleName('company');
      const limitUsd = (costMicros() * 2) / 1e6;
      const { openai } = budgetClient(server, {
        store: await makeStore(),
        waitMs,
        rules: [
          { name: person, limitUsd, window: 'day', scope: 'distinctId', action: 'block' },
          { name: feature, limitUsd: limitUsd * 2, window: 'day', scope: { property: 'feature' }, action: 'block' },
          { name: company, limitUsd: limitUsd * 3, window: 'day', scope: { group: 'company' }, action: 'block' },
        ],
      });
      await ask(openai, { posthogDistinctId: 'ann', posthogProperties: { feature: 'chat' }, posthogGroups: { company: 'acme' } });
      await ask(openai, { posthogDistinctId: 'ann', posthogProperties: { feature: 'chat' }, posthogGroups: { company: 'acme' } });
      const annBlocked = await rejectionOf(ask(openai, { posthogDistinctId: 'ann' }));
      expect(annBlocked).toMatchObject({ rule: person, scope: 'distinctId', scopeKey: 'ann' });
      // Bob has his own budget; the feature's is shared by everyone, through the context too.
      await withTracking({ distinctId: 'bob', properties: { feature: 'chat' } }, () => ask(openai));
      await withTracking({ distinctId: 'bob', properties: { feature: 'chat' } }, () => ask(openai));
      const featureBlocked = await rejectionOf(withTracking({ distinctId: 'cy', properties: { feature: 'chat' } }, () => ask(openai)));
      expect(featureBlocked).toMatchObject({ rule: feature, scope: 'property:feature', scopeKey: 'chat' });
      await ask(openai, { posthogDistinctId: 'dee', posthogGroups: { company: 'acme' } });
      await ask(openai, { posthogDistinctId: 'eve', posthogGroups: { company: 'acme' } });
      await ask(openai, { posthogDistinctId: 'fay', posthogGroups: { company: 'acme' } });
      await ask(openai, { posthogDistinctId: 'gus', posthogGroups: { company: 'acme' } });
      const groupBlocked = await rejectionOf(ask(openai, { posthogDistinctId: 'hal', posthogGroups: { company: 'acme' } }));
      expect(groupBlocked).toMatchObject({ rule: company, scope: 'group:company', scopeKey: 'acme' });
      // A call with none of these keys falls under none of these rules.
      await ask(openai);
    });

    test('a call of unknown cost is counted as such and reported once, never as $0 spent', async () => {
      const rule = ruleName('unknown');
      const { openai, messages, events } = budgetClient(server, { store: await makeStore(), waitMs, rules: [{ name: rule, limitUsd: 1, window: 'month', action: 'warn' }] });
      await ask(openai, { model: 'no-such-model-anywhere' });
      await ask(openai, { model: 'no-such-model-anywhere' });
      await ask(openai);
      await waitFor(() => events.length >= 1);
      await quiet();
      expect(events.map((e) => [e.type, e.unknownCostCalls])).toEqual([['unknown_cost', 1]]);
      const alert = messages.find((m) => m.event === '$ai_budget_alert')!;
      expect(alert.properties).toMatchObject({ $ai_budget_event: 'unknown_cost', $ai_budget_unknown_cost_calls: 1, $ai_budget_window: 'month' });
    });

    test('reservations: concurrent calls overshoot the limit by at most one estimate', async () => {
      const limitMicros = costMicros(100) * 10; // ten calls of 100 output tokens
      const run = async (reserve: boolean) => {
        const rule = ruleName(reserve ? 'reserved' : 'unreserved');
        const { openai, events } = budgetClient(server, { store: await makeStore(), waitMs, rules: [{ name: rule, limitUsd: limitMicros / 1e6, window: 'day', action: 'block', reserve, thresholds: [1] }] });
        const spent: number[] = [];
        let blocked = 0;
        // 4 waves of 8 concurrent calls.
        for (let wave = 0; wave < 4; wave++) {
          const settled = await Promise.allSettled(Array.from({ length: 8 }, () => ask(openai, { max_tokens: 100 })));
          for (const result of settled) {
            if (result.status === 'fulfilled') spent.push(costMicros(100));
            else if (result.reason instanceof BudgetExceededError) blocked++;
            else throw result.reason;
          }
          await quiet();
        }
        return { spentMicros: spent.reduce((a, b) => a + b, 0), blocked, alerts: events.filter((e) => e.type === 'threshold').length };
      };
      const without = await run(false);
      const withReservation = await run(true);
      // Without: a wave that starts under the limit runs whole. With: never past the limit here (the estimate covers the cost).
      expect(without.spentMicros).toBeGreaterThan(limitMicros);
      expect(without.spentMicros - limitMicros).toBeLessThanOrEqual(7 * costMicros(100));
      expect(withReservation.spentMicros).toBeLessThanOrEqual(limitMicros);
      expect(withReservation.spentMicros).toBeGreaterThan(limitMicros - costMicros(100) * 2);
      expect(without.alerts).toBe(1);
      console.log(
        `[budgets ${name}] 4 waves × 8 concurrent calls, limit ${limitMicros} µUSD: overshoot without reservation ${without.spentMicros - limitMicros} µUSD, with ${withReservation.spentMicros - limitMicros} µUSD`,
      );
    });

    test('a stream counts when it ends', async () => {
      const rule = ruleName('stream');
      const { openai, messages } = budgetClient(server, { store: await makeStore(), waitMs, rules: [{ name: rule, limitUsd: costMicros() / 1e6, window: 'day', action: 'block' }] });
      // A stream read to its end spends its usage: the call made right after it is blocked, streamed or not.
      const stream = (await ask(openai, { stream: true })) as unknown as AsyncIterable<unknown>;
      for await (const _chunk of stream) {
        // read to the end
      }
      expect(await rejectionOf(ask(openai, { stream: true }))).toBeInstanceOf(BudgetExceededError);
      expect(await rejectionOf(ask(openai))).toBeInstanceOf(BudgetExceededError);
      await quiet();
      expect(messages.filter((m) => m.event === '$ai_budget_blocked')).toHaveLength(2);
      const streamed = messages.find((m) => m.event === '$ai_generation')!.properties;
      expect(streamed.$ai_total_cost_usd).toBeCloseTo(costMicros() / 1e6, 12);
    });
  });
}
