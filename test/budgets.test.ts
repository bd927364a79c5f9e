import OpenAI from 'openai';
import { describe, expect, test } from 'vitest';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { BudgetExceededError, createTrackedOpenAI, memoryBudgetStore } from '../src/index.js';
import { windowAt } from '../src/budgets/windows.js';
import { memoryCountersOf } from '../src/budgets/store.js';
import { recordingPostHog } from './support/local-posthog.mjs';
import { ask, behaviour, budgetClient, budgetOpenAI, costMicros, quiet } from './helpers/budgets.js';
import { rejectionOf } from './support/checks.js';
import { clearOfWindowEdge } from './support/time.js';
import type { LocalOpenAI } from './support/local-openai.mjs';

behaviour('memory', () => memoryBudgetStore());

describe('the memory store', () => {
  let server: LocalOpenAI;
  beforeAll(async () => {
    server = await budgetOpenAI();
  });
  afterAll(async () => {
    await server.close();
  });
  // Each test counts within one window of its rules.
  beforeEach(() => clearOfWindowEdge());

  test('one store given to two clients: what one spends, the check of the other sees', async () => {
    const store = memoryBudgetStore();
    const rules = [{ name: 'shared', limitUsd: (costMicros() * 2) / 1e6, window: 'day' as const, action: 'block' as const }];
    const first = budgetClient(server, { store, rules });
    const second = budgetClient(server, { store, rules });
    await ask(first.openai);
    await ask(second.openai);
    expect(await rejectionOf(ask(first.openai))).toBeInstanceOf(BudgetExceededError);
    expect(await rejectionOf(ask(second.openai))).toMatchObject({ rule: 'shared', reason: 'limit' });
  });

  test('a call under a block rule and a warn rule counts once in each, whichever way its end is reported', async () => {
    const { openai, events } = budgetClient(server, {
      rules: [
        { name: 'block-rule', limitUsd: (costMicros() * 3) / 1e6, window: 'day', action: 'block' },
        { name: 'warn-rule', limitUsd: (costMicros() * 3) / 1e6, window: 'day', thresholds: [0.5, 1] },
      ],
    });
    await ask(openai);
    await ask(openai);
    await quiet();
    // Two calls: half of each limit reached once (1 call would be a third), the limit not yet.
    expect(events.map((event) => `${event.rule} ${event.threshold}`)).toEqual(['warn-rule 0.5']);
    await ask(openai);
    await quiet();
    // Both limits reached by the third call: one alert each (a block rule alerts at 100% by default).
    expect(events.map((event) => `${event.rule} ${event.threshold}`).sort()).toEqual(['block-rule 1', 'warn-rule 0.5', 'warn-rule 1']);
    const error = await rejectionOf(ask(openai));
    expect(error).toMatchObject({ rule: 'block-rule', reason: 'limit' });
    expect(error.spendUsd).toBeCloseTo((costMicros() * 3) / 1e6, 12);
  });
});

describe("the memory store's counters, kept by a rule's window while they are live", () => {
  const update = (key: string, addMicros: number, expiresAtMs: number) => ({ key, addMicros, addUnknown: 0, reserveMicros: 0, limitMicros: 100, thresholdMicros: [], expiresAtMs });

  test('a live counter stays the store\'s: what is added to it directly, the store sees, and the other way round', () => {
    const counters = memoryCountersOf(memoryBudgetStore())!;
    const kept = counters.counter('rule:0:a', 2_000, 1_000);
    expect(counters.updateCounter(kept, update('rule:0:a', 5, 2_000), 1_100).micros).toBe(5);
    expect(counters.update(update('rule:0:a', 7, 2_000), 1_200).micros).toBe(12);
    expect(kept.micros).toBe(12);
    expect(counters.counter('rule:0:a', 2_000, 1_300)).toBe(kept);
  });

  test('an expired counter is replaced, and one kept past its expiry is not updated any more', () => {
    const counters = memoryCountersOf(memoryBudgetStore())!;
    const kept = counters.counter('rule:0:a', 2_000, 1_000);
    counters.updateCounter(kept, update('rule:0:a', 5, 2_000), 1_100);
    // A call that ends after its counter expired: its spend starts a new counter, not the old one.
    expect(counters.updateCounter(kept, update('rule:0:a', 3, 5_000), 2_500).micros).toBe(3);
    expect(kept.micros).toBe(5);
    const fresh = counters.counter('rule:0:a', 5_000, 2_600);
    expect(fresh).not.toBe(kept);
    expect(fresh.micros).toBe(3);
  });
});

describe('budget rules are checked when the client is created', () => {
  const make = (budgets: unknown) => () =>
    createTrackedOpenAI(new OpenAI({ apiKey: 'sk-test' }), { posthog: recordingPostHog().posthog, budgets: budgets as never });
  const rule = { name: 'r', limitUsd: 1, window: 'day' };

  test.each([
    [{ rules: [] }, 'budgets.rules'],
    [{ rules: [rule], waitMs: -1 }, 'budgets.waitMs'],
    [{ rules: [rule], store: {} }, 'budgets.store'],
    [{ rules: [rule], colour: 1 }, 'budgets.colour'],
    [{ rules: [{ ...rule, name: 'has space' }] }, 'budgets.rules[0].name'],
    [{ rules: [rule, rule] }, 'budgets.rules[1].name'],
    [{ rules: [{ ...rule, limitUsd: 0 }] }, 'budgets.rules[0].limitUsd'],
    [{ rules: [{ ...rule, window: 'week' }] }, 'budgets.rules[0].window'],
    [{ rules: [{ ...rule, window: { seconds: 0.5 } }] }, 'budgets.rules[0].window.seconds'],
    [{ rules: [{ ...rule, scope: 'team' }] }, 'budgets.rules[0].scope'],
    [{ rules: [{ ...rule, scope: { property: '' } }] }, 'budgets.rules[0].scope.property'],
    [{ rules: [{ ...rule, thresholds: [0.5, 0] }] }, 'budgets.rules[0].thresholds[1]'],
    [{ rules: [{ ...rule, action: 'stop' }] }, 'budgets.rules[0].action'],
    [{ rules: [{ ...rule, reserve: 'yes' }] }, 'budgets.rules[0].reserve'],
    [{ rules: [{ ...rule, limit: 1 }] }, 'budgets.rules[0].limit'],
  ])('%j is a TypeError naming %s', (budgets, field) => {
    expect(make(budgets)).toThrow(TypeError);
    expect(make(budgets)).toThrow(`\`${field}\``);
  });

  test('good rules are accepted, by the swap class too', () => {
    expect(make({ rules: [{ ...rule, scope: { group: 'company' }, thresholds: [0.5, 1], action: 'block', reserve: true, window: { seconds: 900 } }] })).not.toThrow();
  });
});

describe('windows are aligned to UTC', () => {
  const at = Date.UTC(2026, 2, 31, 13, 47, 12, 5);
  test('hour, day and month', () => {
    expect(windowAt('hour', at)).toEqual({ startMs: Date.UTC(2026, 2, 31, 13), endMs: Date.UTC(2026, 2, 31, 14) });
    expect(windowAt('day', at)).toEqual({ startMs: Date.UTC(2026, 2, 31), endMs: Date.UTC(2026, 3, 1) });
    expect(windowAt('month', at)).toEqual({ startMs: Date.UTC(2026, 2, 1), endMs: Date.UTC(2026, 3, 1) });
    expect(windowAt('month', Date.UTC(2026, 11, 31, 23))).toEqual({ startMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2027, 0, 1) });
  });
  test('a duration starts at a whole multiple of itself since the epoch', () => {
    expect(windowAt({ seconds: 900 }, at)).toEqual({ startMs: Date.UTC(2026, 2, 31, 13, 45), endMs: Date.UTC(2026, 2, 31, 14, 0) });
  });
});
