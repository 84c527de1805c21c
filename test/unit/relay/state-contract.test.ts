// @vitest-environment node
/**
 * One contract, two implementations: what every RelayState must do, run against the
 * memory state and against a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryState, createRedisState } from '../../../src/relay';
import { relayStateContract } from '../../support/relay-state-contract';
import { describeWithRedis, startRedisServer, type RedisServer } from '../../support/redis-server';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let unique = 0;
const id = () => `m-${process.pid}-${++unique}-${Math.random().toString(36).slice(2)}`;

describe('memory state', () => {
  relayStateContract(() => createMemoryState());

  it('is not shared: the relay’s own pacer is the schedule', () => {
    expect(createMemoryState().shared).toBe(false);
  });
});

describeWithRedis('Redis state', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis?.dispose());

  relayStateContract(() => createRedisState({ url: redis.url, prefix: `contract-${process.pid}:` }));

  it('shares claims between states with one prefix, not across prefixes', async () => {
    const one = createRedisState({ url: redis.url, prefix: 'p1:' });
    const two = createRedisState({ url: redis.url, prefix: 'p1:' });
    const other = createRedisState({ url: redis.url, prefix: 'p2:' });
    try {
      expect(await one.claim('x', 'a', 5_000)).toBe('claimed');
      expect(await two.claim('x', 'b', 5_000)).toBe('held');
      expect(await other.claim('x', 'c', 5_000)).toBe('claimed');
    } finally {
      await Promise.all([one.close(), two.close(), other.close()]);
    }
  });

  it('puts a TTL on every key it writes', async () => {
    const state = createRedisState({ url: redis.url, prefix: 'ttl:' });
    const raw = createRedisState({ url: redis.url, prefix: 'ttl-raw:' });
    try {
      await state.claim('a', 't', 5_000);
      await state.claim('b', 't', 5_000);
      await state.markForwarded('b', 60_000);
      await state.reserve(10, Infinity);
      await state.pause(50);
      await state.hit('h', 1_000, 5);
      await state.distinct('d', 'x', 1_000);
      const client = (await import('redis')).createClient({ url: redis.url });
      await client.connect();
      const keys = await client.keys('ttl:*');
      expect(keys.sort()).toEqual(['ttl:hit:h', 'ttl:id:a', 'ttl:id:b', 'ttl:pause', 'ttl:schedule', 'ttl:set:d']);
      for (const key of keys) expect(await client.pTTL(key), key).toBeGreaterThan(0);
      client.destroy();
    } finally {
      await Promise.all([state.close(), raw.close()]);
    }
  });

  it('fails fast while Redis is down, and recovers by itself when it is back', async () => {
    const server = await startRedisServer();
    const state = createRedisState({ url: server.url, prefix: 'down:', timeoutMs: 500 });
    try {
      expect(await state.ping()).toBe(true);
      await server.stop();
      const started = Date.now();
      await expect(state.claim(id(), 'a', 5_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await state.ping()).toBe(false);
      await server.restart();
      const deadline = Date.now() + 10_000;
      while (!(await state.ping()) && Date.now() < deadline) await pause(100);
      expect(await state.claim(id(), 'a', 5_000)).toBe('claimed');
    } finally {
      await state.close();
      await server.dispose();
    }
  });
});
