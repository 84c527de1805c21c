// @vitest-environment node
/**
 * One contract, two implementations: what every RelayState must do, run against the
 * memory state and against a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryState, createRedisState, type RelayState } from '../../../src/relay';
import { limitStateContract } from '../../support/limit-state-contract';
import { relayStateContract } from '../../support/relay-state-contract';
import { describeWithRedis, startRedisServer, type RedisServer } from '../../support/redis-server';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (up to 10 s) until the state's client has reconnected to a restarted Redis. */
async function reconnected(state: RelayState): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await state.ping()) && Date.now() < deadline) await pause(100);
}
let unique = 0;
const id = () => `m-${process.pid}-${++unique}-${Math.random().toString(36).slice(2)}`;

describe('memory state', () => {
  relayStateContract(() => createMemoryState());
  limitStateContract('memory state\'s', () => createMemoryState().limits);

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
  // The limits through the state's own client, prefix and timeout (one store for everything).
  let limitStates: RelayState[] = [];
  afterAll(() => Promise.all(limitStates.map((s) => s.close())));
  limitStateContract('Redis state\'s', () => {
    const state = createRedisState({ url: redis.url, prefix: `limits-${process.pid}:` });
    limitStates.push(state);
    return state.limits;
  });

  it('shares claims between states with one prefix, not across prefixes', async () => {
    const one = createRedisState({ url: redis.url, prefix: 'p1:' });
    const two = createRedisState({ url: redis.url, prefix: 'p1:' });
    const other = createRedisState({ url: redis.url, prefix: 'p2:' });
    try {
      expect(await one.claim('x', 'a', 5_000)).toBe('claimed');
      expect(await two.claim('x', 'b', 5_000)).toBe('held');
      expect(await other.claim('x', 'c', 5_000)).toBe('claimed');
      // The limits too: two instances fill one bucket of 3 together.
      const now = Date.now();
      const hits = [await one.limits.hit('b', 60_000, 3, now), await two.limits.hit('b', 60_000, 3, now), await one.limits.hit('b', 60_000, 3, now)];
      expect(hits.every((h) => h.allowed)).toBe(true);
      expect((await two.limits.hit('b', 60_000, 3, now)).allowed).toBe(false);
      expect((await other.limits.hit('b', 60_000, 3, now)).allowed).toBe(true);
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
      const now = Date.now();
      // A bucket of 2 a minute: its key lives 30 s (a bucket of 600 would live 100 ms, gone before it is read).
      await state.limits.hit('limit:batches:{192.0.2.1}', 60_000, 2, now);
      await state.limits.admit([{ key: 'limit:phone-ips:{abc}', windowMs: 3_600_000, limit: 5 }], ['192.0.2.1'], now);
      await state.limits.admitNew({ knownKey: 'limit:ids-known:{192.0.2.1}', knownMs: 86_400_000, newKey: 'limit:ids-new:{192.0.2.1}', windows: [{ windowMs: 60_000, limit: 20 }] }, ['m1'], now);
      await state.limits.claim('bot:1', 'pending', 30_000);
      await state.limits.put('bot:2', 'passed', 30_000);
      const client = (await import('redis')).createClient({ url: redis.url });
      await client.connect();
      try {
        const keys = await client.keys('ttl:*');
        expect(keys.sort()).toEqual(['ttl:bot:1', 'ttl:bot:2', 'ttl:id:a', 'ttl:id:b', 'ttl:limit:batches:{192.0.2.1}', 'ttl:limit:ids-known:{192.0.2.1}', 'ttl:limit:ids-new:{192.0.2.1}', 'ttl:limit:phone-ips:{abc}', 'ttl:pause', 'ttl:schedule']);
        for (const key of keys) expect(await client.pTTL(key), key).toBeGreaterThan(0);
      } finally {
        client.destroy();
      }
    } finally {
      await Promise.all([state.close(), raw.close()]);
    }
  });

  it('counts atomically: 50 checks of one client at once admit exactly the limit', async () => {
    const state = createRedisState({ url: redis.url, prefix: 'race:' });
    try {
      const now = Date.now();
      const spec = { knownKey: 'known:{x}', knownMs: 86_400_000, newKey: 'new:{x}', windows: [{ windowMs: 60_000, limit: 20 }] };
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => state.limits.admitNew(spec, [`phone-${i}`], now)));
      expect(answers.filter((a) => a.allowed)).toHaveLength(20);
      const hits = await Promise.all(Array.from({ length: 50 }, () => state.limits.hit('bucket:{x}', 60_000, 30, now)));
      expect(hits.filter((a) => a.allowed)).toHaveLength(30);
    } finally {
      await state.close();
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
      await expect(state.limits.hit('k', 60_000, 10, Date.now())).rejects.toThrow();
      expect(await state.ping()).toBe(false);
      await server.restart();
      await reconnected(state);
      expect(await state.claim(id(), 'a', 5_000)).toBe('claimed');
      expect((await state.limits.hit('k', 60_000, 10, Date.now())).allowed).toBe(true);
    } finally {
      await state.close();
      await server.dispose();
    }
  });

  it('never sends a call that timed out while Redis was down once it is back (the claim would block the event)', async () => {
    const server = await startRedisServer();
    const state = createRedisState({ url: server.url, prefix: 'late:', timeoutMs: 300 });
    const messageId = id();
    try {
      expect(await state.ping()).toBe(true);
      await server.stop();
      await expect(state.claim(messageId, 'gave-up', 16_000)).rejects.toThrow();
      await server.restart();
      await reconnected(state);
      await pause(200);
      // Another instance resending the event is not told it is held by a claim nobody uses.
      expect(await state.claim(messageId, 'other', 16_000)).toBe('claimed');
    } finally {
      await state.close();
      await server.dispose();
    }
  });

  it('still writes a forwarded mark that timed out while Redis was down, once it is back (a resend is then not forwarded twice)', async () => {
    const server = await startRedisServer();
    const state = createRedisState({ url: server.url, prefix: 'latemark:', timeoutMs: 300 });
    const messageId = id();
    try {
      expect(await state.claim(messageId, 'mine', 16_000)).toBe('claimed');
      await server.stop();
      await expect(state.markForwarded(messageId, 60_000)).rejects.toThrow();
      await server.restart();
      await reconnected(state);
      await pause(200);
      expect(await state.claim(messageId, 'other', 16_000)).toBe('forwarded');
    } finally {
      await state.close();
      await server.dispose();
    }
  });

  it('gives back a claim whose reply came after the call timed out', async () => {
    const real = createRedisState({ url: redis.url, prefix: 'slow:' });
    const raw = (await import('redis')).createClient({ url: redis.url });
    await raw.connect();
    try {
      // A client whose replies arrive 400 ms late, past the state's 100 ms.
      const slow = { sendCommand: async (args: string[]) => {
        const reply = await raw.sendCommand(args);
        await pause(400);
        return reply;
      } };
      const state = createRedisState({ client: slow, prefix: 'slow:', timeoutMs: 100 });
      const messageId = id();
      await expect(state.claim(messageId, 'late', 16_000)).rejects.toThrow(/within 100 ms/);
      await pause(1_000);
      expect(await real.claim(messageId, 'other', 16_000)).toBe('claimed');
    } finally {
      raw.destroy();
      await real.close();
    }
  });

  it('lets a fresh instance’s first call wait for the first connection, past timeoutMs', async () => {
    // A cold start: the client connects only once Redis is up, 1.5 s after the call.
    const server = await startRedisServer();
    await server.stop();
    const state = createRedisState({ url: server.url, prefix: 'cold:', timeoutMs: 300 });
    try {
      const claimed = state.claim(id(), 'first', 16_000);
      await pause(1_500);
      await server.restart();
      expect(await claimed).toBe('claimed');
    } finally {
      await state.close();
      await server.dispose();
    }
  });
});
