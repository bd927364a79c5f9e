// Budgets shared through a real Redis (Debian's redis-server on 127.0.0.1), through both clients
// users have: the same behaviour as the memory store, then Redis killed and restarted, and made
// slow, mid-run. Several processes sharing one budget: test/budgets-processes.test.ts.
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { BudgetExceededError, redisBudgetStore } from '../src/index.js';
import { ask, behaviour, budgetClient, budgetOpenAI, costMicros, quiet } from './helpers/budgets.js';
import type { LocalOpenAI } from './support/local-openai.mjs';
import { type LocalRedis, localRedis, redisPart } from './support/redis.js';
import { sleep, waitFor } from './support/time.js';

describe.skipIf(redisPart.skip)('budgets through Redis', () => {
  let redis: LocalRedis;
  let ioredis: IORedis;
  let nodeRedis: ReturnType<typeof createClient>;
  let server: LocalOpenAI;

  beforeAll(async () => {
    redis = await localRedis();
    ioredis = new IORedis(redis.port, '127.0.0.1', { retryStrategy: () => 50 });
    ioredis.on('error', () => {});
    nodeRedis = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
    nodeRedis.on('error', () => {});
    await nodeRedis.connect();
    server = await budgetOpenAI();
  });
  afterAll(async () => {
    ioredis?.disconnect();
    await nodeRedis?.disconnect().catch(() => {});
    await redis?.stop();
    await server?.close();
  });

  behaviour('Redis (ioredis)', () => redisBudgetStore(ioredis));
  behaviour('Redis (node-redis)', () => redisBudgetStore(nodeRedis));

  test('keys expire after their window', async () => {
    const { openai } = budgetClient(server, { store: redisBudgetStore(ioredis, { prefix: 'ttl:' }), waitMs: 1000, rules: [{ name: 'ttl', limitUsd: 1, window: { seconds: 60 }, action: 'block' }] });
    await ask(openai);
    await quiet();
    const [key] = await ioredis.keys('ttl:*');
    const ttl = await ioredis.ttl(key!);
    // The window's end (at most 60 s away, and maybe less than a second) plus the hour kept for
    // calls still ending into it. The expiry is set to the second above, and Redis rounds the TTL
    // it answers to the nearest second: one second either way.
    expect(ttl).toBeGreaterThanOrEqual(3599);
    expect(ttl).toBeLessThanOrEqual(3661);
  });

  test('bad clients are a TypeError', () => {
    expect(() => redisBudgetStore({} as never)).toThrow(TypeError);
  });

  for (const clientName of ['ioredis', 'node-redis'] as const) {
    const clientOf = () => (clientName === 'ioredis' ? ioredis : nodeRedis);
    const totalOf = async (prefix: string) => {
      const keys = await ioredis.keys(`${prefix}*`);
      let total = 0;
      for (const key of keys) total += Number(await ioredis.hget(key, 'm'));
      return total;
    };

    test(`${clientName}: Redis killed and restarted mid-run: calls go on within the wait, spend made meanwhile is added once it is back`, { timeout: 30_000 }, async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const prefix = `restart-${clientName}:`;
        const waitMs = 50;
        const { openai } = budgetClient(server, { store: redisBudgetStore(clientOf(), { prefix }), waitMs, rules: [{ name: 'r', limitUsd: 1, window: 'day', action: 'block' }] });
        for (let i = 0; i < 3; i++) await ask(openai);
        await quiet();
        expect(await totalOf(prefix)).toBe(3 * costMicros());
        await redis.kill();
        const slowest: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await ask(openai);
          slowest.push(performance.now() - started);
        }
        await redis.restart();
        await waitFor(() => ioredis.status === 'ready' && nodeRedis.isReady, 10_000);
        for (let i = 0; i < 3; i++) await ask(openai);
        // What waited in memory reaches the new Redis (its data from before is gone with it).
        let total = 0;
        for (let i = 0; i < 100 && total !== 8 * costMicros(); i++) {
          await sleep(50);
          total = await totalOf(prefix);
        }
        expect(total).toBe(8 * costMicros());
        expect(Math.max(...slowest)).toBeLessThan(waitMs + 400);
        console.log(`[budgets redis ${clientName}] killed and restarted: 5 calls while down, slowest ${Math.round(Math.max(...slowest))} ms (wait ${waitMs} ms); spend after restart ${total} µUSD, expected ${8 * costMicros()}`);
      } finally {
        warn.mockRestore();
      }
    });

    test(`${clientName}: Redis paused (SIGSTOP): calls go on after the wait (fail open) or are blocked (failClosed); spend arrives after SIGCONT`, { timeout: 30_000 }, async () => {
      const prefix = `paused-${clientName}:`;
      const waitMs = 30;
      const open = budgetClient(server, { store: redisBudgetStore(clientOf(), { prefix }), waitMs, rules: [{ name: 'open', limitUsd: 1, window: 'day', action: 'block' }] });
      const closed = budgetClient(server, { store: redisBudgetStore(clientOf(), { prefix }), waitMs, failClosed: true, rules: [{ name: 'closed', limitUsd: 1, window: 'day', action: 'block' }] });
      await ask(open.openai);
      await quiet();
      redis.pause();
      try {
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const started = performance.now();
          await ask(open.openai);
          times.push(performance.now() - started);
        }
        expect(Math.max(...times)).toBeLessThan(waitMs + 300);
        const error = await ask(closed.openai).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(BudgetExceededError);
        expect(error).toMatchObject({ reason: 'store_unavailable' });
        console.log(`[budgets redis ${clientName}] paused: 5 calls, slowest ${Math.round(Math.max(...times))} ms (wait ${waitMs} ms)`);
      } finally {
        redis.resume();
      }
      let total = 0;
      for (let i = 0; i < 100 && total !== 6 * costMicros(); i++) {
        await sleep(50);
        total = await totalOf(`${prefix}open`);
      }
      expect(total).toBe(6 * costMicros());
    });
  }

  test('Redis slowed by DEBUG SLEEP: the call waits at most waitMs', async () => {
    const prefix = 'sleep:';
    const { openai } = budgetClient(server, { store: redisBudgetStore(nodeRedis, { prefix }), waitMs: 20, rules: [{ name: 's', limitUsd: 1, window: 'day', action: 'block' }] });
    await ask(openai);
    await quiet();
    const other = new IORedis(redis.port, '127.0.0.1');
    const sleeping = other.call('DEBUG', 'SLEEP', '0.5');
    await sleep(20);
    const started = performance.now();
    await ask(openai);
    const took = performance.now() - started;
    await sleeping;
    other.disconnect();
    expect(took).toBeLessThan(300);
    await quiet();
  });
});
