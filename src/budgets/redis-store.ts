import type { BudgetCounterState, BudgetCounterUpdate, BudgetStore } from './store.js';

/**
 * The counters' updates in one round trip, atomic: each counter is a hash (`m` its micro-USD, `u`
 * its unknown-cost calls, `a<i>` threshold i alerted, `au` the unknown cost reported) that expires
 * after its window. A reservation (`reserve`) is added only if the total stays within the limit.
 * An alert is claimed with HSETNX, so that one caller, whichever instance, sends it.
 */
const SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 6
  local add = tonumber(ARGV[b + 1])
  local unknown = tonumber(ARGV[b + 2])
  local reserve = tonumber(ARGV[b + 3])
  local limit = tonumber(ARGV[b + 4])
  local expires = tonumber(ARGV[b + 5])
  local total = tonumber(redis.call('HGET', key, 'm') or '0')
  if add ~= 0 then total = redis.call('HINCRBY', key, 'm', add) end
  local reserved = 0
  if reserve > 0 and total + reserve <= limit then
    total = redis.call('HINCRBY', key, 'm', reserve)
    reserved = 1
  end
  local u = tonumber(redis.call('HGET', key, 'u') or '0')
  if unknown ~= 0 then u = redis.call('HINCRBY', key, 'u', unknown) end
  local alerted = 0
  local bit = 1
  for threshold in string.gmatch(ARGV[b + 6], '[^,]+') do
    if total >= tonumber(threshold) and redis.call('HSETNX', key, 'a' .. bit, 1) == 1 then alerted = alerted + bit end
    bit = bit * 2
  end
  local unknownAlerted = 0
  if u > 0 and redis.call('HSETNX', key, 'au', 1) == 1 then unknownAlerted = 1 end
  if redis.call('EXISTS', key) == 1 then redis.call('EXPIREAT', key, expires) end
  out[i] = { total, u, alerted, reserved, unknownAlerted }
end
return out
`;

/** A `redis` (node-redis 4 and later) client: `sendCommand(['EVALSHA', ...])`. */
interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** An `ioredis` client: `call('EVALSHA', ...args)`. */
interface IORedisLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A Redis client the store can talk through: node-redis (`redis` 4+) or ioredis, connected by you. */
export type RedisClientLike = NodeRedisLike | IORedisLike;

export interface RedisBudgetStoreOptions {
  /** Put before every key. Default `tracked-openai:budget:`. */
  prefix?: string;
}

function isIORedis(client: object): client is IORedisLike {
  return typeof (client as IORedisLike).call === 'function';
}

function isNodeRedis(client: object): client is NodeRedisLike {
  return typeof (client as NodeRedisLike).sendCommand === 'function';
}

/** SHA-1 of the script, for EVALSHA (Web Crypto: no `node:` import). */
async function sha1(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function toState(reply: unknown): BudgetCounterState {
  if (!Array.isArray(reply) || reply.length < 5) throw new Error('unexpected reply from the budget script');
  const [micros, unknown, alerted, reserved, unknownAlerted] = reply.map(Number) as [number, number, number, number, number];
  return { micros, unknown, alerted, reserved: reserved === 1, unknownAlerted: unknownAlerted === 1 };
}

/**
 * Budgets shared by every instance that uses the same Redis, through the client you already have
 * (`redis` 4 or later, or `ioredis`; this package bundles neither). One EVALSHA per batch of
 * updates (EVAL once more when Redis does not know the script yet, as after a restart).
 *
 * Its faults are the budgets' to handle: a failed or late answer never fails or delays a call
 * past `waitMs` (see the README's "Budgets").
 */
export function redisBudgetStore(client: RedisClientLike, options: RedisBudgetStoreOptions = {}): BudgetStore {
  if (client === null || typeof client !== 'object' || (!isIORedis(client) && !isNodeRedis(client))) {
    throw new TypeError('tracked-openai: redisBudgetStore(client) needs a connected `redis` (4 or later) or `ioredis` client');
  }
  const prefix = options.prefix ?? 'tracked-openai:budget:';
  if (typeof prefix !== 'string') throw new TypeError('tracked-openai: redisBudgetStore option `prefix` must be a string');
  const send = (args: string[]): Promise<unknown> => (isIORedis(client) ? client.call(args[0]!, ...args.slice(1)) : client.sendCommand(args));
  const scriptSha = sha1(SCRIPT);

  return {
    async update(updates: readonly BudgetCounterUpdate[]) {
      const keys = updates.map((update) => prefix + update.key);
      const argv = updates.flatMap((update) => [
        String(update.addMicros),
        String(update.addUnknown),
        String(update.reserveMicros),
        String(update.limitMicros),
        String(Math.ceil(update.expiresAtMs / 1000)),
        update.thresholdMicros.join(','),
      ]);
      const tail = [String(keys.length), ...keys, ...argv];
      let reply: unknown;
      try {
        reply = await send(['EVALSHA', await scriptSha, ...tail]);
      } catch (error) {
        if (!String((error as { message?: unknown })?.message ?? error).includes('NOSCRIPT')) throw error;
        reply = await send(['EVAL', SCRIPT, ...tail]);
      }
      if (!Array.isArray(reply) || reply.length !== updates.length) throw new Error('unexpected reply from the budget script');
      return reply.map(toState);
    },
  };
}
