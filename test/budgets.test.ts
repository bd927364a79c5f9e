import OpenAI from 'openai';
import { describe, expect, test } from 'vitest';
import { createTrackedOpenAI, memoryBudgetStore } from '../src/index.js';
import { windowAt } from '../src/budgets/windows.js';
import { recordingPostHog } from './support/local-posthog.mjs';
import { behaviour } from './helpers/budgets.js';

behaviour('memory', () => memoryBudgetStore());

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
