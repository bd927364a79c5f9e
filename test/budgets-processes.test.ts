// Several Node processes (the built package) sharing one budget through a real Redis: the spend
// they add up to is exact to the micro-dollar, each threshold alerts once across them, and a block
// reached by one is seen by the others on their next call. Overshoot under concurrency, with and
// without reservations.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { budgetOpenAI, costMicros } from './helpers/budgets.js';
import type { LocalOpenAI } from './support/local-openai.mjs';
import { type LocalRedis, localRedis, redisPart } from './support/redis.js';

const WORKER = fileURLToPath(new URL('./support/budget-worker.mjs', import.meta.url));
const run = promisify(execFile);

interface WorkerResult {
  made: number;
  blocked: number;
  events: { type: string; threshold?: number; reason?: string }[];
  notes: string[];
}

/**
 * A window of 366 days: a test that spans a UTC hour or day boundary would otherwise see its
 * counter start again halfway (the later processes in a new window, unblocked).
 */
const WINDOW = { seconds: 366 * 86_400 };

describe.skipIf(redisPart.skip)('budgets shared by several processes through Redis', () => {
  let redis: LocalRedis;
  let admin: IORedis;
  let server: LocalOpenAI;
  beforeAll(async () => {
    redis = await localRedis();
    admin = new IORedis(redis.port, '127.0.0.1');
    server = await budgetOpenAI();
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
    await server?.close();
  });

  const worker = async (config: Record<string, unknown>): Promise<WorkerResult> => {
    const { stdout } = await run(process.execPath, [WORKER, JSON.stringify({ baseURL: server.baseURL, redisPort: redis.port, ...config })], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as WorkerResult;
  };
  const spentMicros = async (rule: string) => {
    let total = 0;
    for (const key of await admin.keys(`tracked-openai:budget:${rule}:*`)) total += Number(await admin.hget(key, 'm'));
    return total;
  };

  test('4 processes × 25 calls: the spend is exact, and each threshold alerts once', { timeout: 90_000 }, async () => {
    const maxTokens = [10, 20, 30, 40];
    const expected = maxTokens.reduce((sum, max) => sum + 25 * costMicros(max), 0);
    const rule = { name: 'shared', limitUsd: expected / 1e6, window: WINDOW, thresholds: [0.25, 0.5, 0.75, 1], action: 'warn' };
    const results = await Promise.all(maxTokens.map((max, i) => worker({ rule, calls: 25, maxTokens: max, client: i % 2 === 0 ? 'ioredis' : 'redis' })));
    expect(results.map((r) => r.made)).toEqual([25, 25, 25, 25]);
    expect(await spentMicros('shared')).toBe(expected);
    const alerts = results.flatMap((r) => r.events).filter((e) => e.type === 'threshold').map((e) => e.threshold);
    expect(alerts.sort()).toEqual([0.25, 0.5, 0.75, 1]);
    console.log(`[budgets processes] 4 × 25 calls: spend ${await spentMicros('shared')} µUSD recorded, ${expected} expected; alerts per threshold: ${JSON.stringify(alerts)}`);
  });

  test('a block reached in one process is seen by the others on their next call', { timeout: 60_000 }, async () => {
    const rule = { name: 'blocked', limitUsd: (10 * costMicros()) / 1e6, window: WINDOW, action: 'block' };
    const first = await worker({ rule, calls: 50, untilBlocked: true });
    expect(first).toMatchObject({ made: 10, blocked: 1 });
    const others = await Promise.all([worker({ rule, calls: 1 }), worker({ rule, calls: 1, client: 'redis' }), worker({ rule, calls: 1 })]);
    expect(others.map((r) => [r.made, r.blocked]), JSON.stringify(others)).toEqual([[0, 1], [0, 1], [0, 1]]);
    expect(others.flatMap((r) => r.events).map((e) => e.reason)).toEqual(['limit', 'limit', 'limit']);
    expect(await spentMicros('blocked')).toBe(10 * costMicros());
  });

  test('overshoot of 4 concurrent processes, without and with reservations', { timeout: 90_000 }, async () => {
    const cost = costMicros(50);
    const limit = 40 * cost;
    const overshoot = async (reserve: boolean) => {
      const name = reserve ? 'reserved' : 'unreserved';
      const rule = { name, limitUsd: limit / 1e6, window: WINDOW, action: 'block', reserve };
      const results = await Promise.all([0, 1, 2, 3].map((i) => worker({ rule, calls: 100, untilBlocked: true, maxTokens: 50, client: i % 2 === 0 ? 'ioredis' : 'redis' })));
      const made = results.reduce((sum, r) => sum + r.made, 0);
      expect(await spentMicros(name)).toBe(made * cost);
      return made * cost - limit;
    };
    const without = await overshoot(false);
    const withReservation = await overshoot(true);
    // Each process has one call in flight at a time: at most 4 calls pass the check before the limit is known.
    expect(without).toBeLessThanOrEqual(4 * cost);
    // The estimate errs by the input's guess only.
    expect(withReservation).toBeLessThanOrEqual(4 * 2);
    console.log(`[budgets processes] 4 processes until blocked, limit ${limit} µUSD (calls of ${cost} µUSD): overshoot ${without} µUSD without reservation, ${withReservation} µUSD with`);
  });
});
