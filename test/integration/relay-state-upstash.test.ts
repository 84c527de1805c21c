/**
 * The README's client for an HTTP Redis (examples/upstash-client.ts, shown verbatim in the
 * README), proven: every call of the relay's state through it, and two web-standard relays
 * (as in Vercel Edge functions or Workers) on it, against a stand-in for Upstash's REST API
 * that runs each command on a real redis-server.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstashClient } from '../../examples/upstash-client';
import { createRedisState, createRelay, type ForwardErrorInfo, type RelayHandler, type RelayResult } from '../../src/relay/index';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';
import { startUpstashStandIn, type UpstashStandIn } from '../support/upstash-stand-in';

const TOKEN = 'upstash-test-token';
const root = join(__dirname, '../..');

/** A stand-in for Regal that records each event it is sent. */
async function startUpstream() {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      received.push(JSON.parse(text).properties.n);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const batchOf = (count: number, run: string) => ({
  batch: Array.from({ length: count }, (_, n) => ({
    messageId: `upstash-${run}-${n}`,
    userId: 'edge-visitor',
    traits: { phones: [{ phoneNumber: '+15550004242', isPrimary: true }] },
    name: 'Edge Event',
    properties: { n },
  })),
});

const post = async (relay: RelayHandler, body: unknown): Promise<RelayResult> => {
  const response = await relay(new Request('https://www.example.com/regal', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) }));
  expect(response.status).toBe(200);
  return (await response.json()) as RelayResult;
};

it('is the code the README shows, character for character', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = readFileSync(join(root, 'examples/upstash-client.ts'), 'utf8');
  expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
});

describeWithRedis('the Upstash REST client of the README', () => {
  let redis: RedisServer;
  let upstash: UpstashStandIn;
  beforeAll(async () => {
    redis = await startRedisServer();
    upstash = await startUpstashStandIn(redis.url, TOKEN);
  });
  afterAll(async () => {
    await upstash?.close();
    await redis?.dispose();
  });

  it("runs every call of the relay's state through it: claims, marks, the schedule, pauses", async () => {
    // The state's whole contract, timing included, runs against Redis in the unit tests; an
    // HTTP hop per call widens the bounds its timing checks allow for. Here: that each call
    // goes through the client and its reply comes back readable.
    const state = createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-calls:' });
    expect(await state.ping()).toBe(true);
    expect(await state.claim('m1', 'a', 5_000)).toBe('claimed');
    expect(await state.claim('m1', 'b', 5_000)).toBe('held');
    await state.release('m1', 'b'); // not b's claim: left alone
    expect(await state.claim('m1', 'b', 5_000)).toBe('held');
    await state.markForwarded('m1', 60_000);
    expect(await state.claim('m1', 'b', 5_000)).toBe('forwarded');
    expect(await state.claim('m2', 'a', 5_000)).toBe('claimed');
    await state.release('m2', 'a');
    expect(await state.claim('m2', 'b', 5_000)).toBe('claimed');

    const first = await state.reserve(2_000, 10_000);
    expect(typeof first).toBe('number'); // counted from when the reply was read: below 0 if its turn passed meanwhile
    expect(first).toBeLessThan(2_000);
    expect(await state.reserve(2_000, 100)).toBeUndefined(); // the next turn is ~2 s away
    await state.pause(5_000);
    const left = await state.pauseLeft();
    expect(left).toBeGreaterThan(3_000);
    expect(left).toBeLessThanOrEqual(5_000);
    expect(await state.reserve(1, 60_000)).toBeGreaterThan(3_000); // after the pause
  });

  it("runs the per-client limits' scripts through it", async () => {
    // Their whole contract runs against the Redis state in the unit tests; here, that each
    // kind of call goes through the client and comes back readable.
    const { limits } = createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-limits:' });
    const now = Date.now();
    expect(await limits.hit('limit:batches:{192.0.2.1}', 60_000, 2, now)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limits.hit('limit:batches:{192.0.2.1}', 60_000, 2, now)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limits.hit('limit:batches:{192.0.2.1}', 60_000, 2, now)).toEqual({ allowed: false, retryAfterMs: 30_000 });
    expect((await limits.admit([{ key: 'limit:phone-ips:{p}', windowMs: 3_600_000, limit: 1 }], ['192.0.2.1'], now)).allowed).toBe(true);
    expect((await limits.admit([{ key: 'limit:phone-ips:{p}', windowMs: 3_600_000, limit: 1 }], ['192.0.2.2'], now)).allowed).toBe(false);
    const sightings = { knownKey: 'limit:ids-known:{192.0.2.1}', knownMs: 86_400_000, newKey: 'limit:ids-new:{192.0.2.1}', windows: [{ windowMs: 60_000, limit: 1 }] };
    expect((await limits.admitNew(sightings, ['a'], now)).allowed).toBe(true);
    expect((await limits.admitNew(sightings, ['a'], now)).allowed).toBe(true); // known: free
    expect((await limits.admitNew(sightings, ['b'], now)).allowed).toBe(false);
    expect(await limits.claim('bot:t', 'pending', 30_000)).toBeNull();
    expect(await limits.claim('bot:t', 'other', 30_000)).toBe('pending');
    await limits.put('bot:t', 'passed', 30_000);
    expect(await limits.claim('bot:t', 'other', 30_000)).toBe('passed');
    await limits.drop('bot:t');
    expect(await limits.claim('bot:t', 'again', 30_000)).toBeNull();
  });

  it('lets two web-standard relays forward a batch posted to both at once exactly once', async () => {
    const upstream = await startUpstream();
    const state = () => createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-relays:' });
    const relay = () => createRelay({ apiKey: 'edge-key', upstream: upstream.url, fetch, state: state(), limits: false });
    const [a, b] = [relay(), relay()];
    const body = batchOf(20, 'twice');
    const before = upstash.commands();
    try {
      let pending = body.batch.map((event) => event.messageId);
      for (let round = 0; pending.length > 0; round++) {
        expect(round).toBeLessThan(50);
        const answers = await Promise.all([post(a, body), post(b, body)]);
        const accepted = new Set(answers.flatMap((answer) => answer.accepted));
        pending = pending.filter((id) => !accepted.has(id));
      }
      expect(upstream.received).toEqual(Array.from({ length: 20 }, (_, n) => n));
      expect(upstash.commands() - before).toBeGreaterThanOrEqual(60); // claim, turn and mark of each: all through the client
    } finally {
      upstream.close();
    }
  });

  it('costs three commands per forwarded event that need not wait for its turn: claim, turn on the schedule, mark', async () => {
    const upstream = await startUpstream();
    const state = createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-count:' });
    // Pacing lifted: every turn is now, whatever this machine's timing.
    const relay = createRelay({ apiKey: 'edge-key', upstream: upstream.url, fetch, state, limits: false, rateLimitPerSecond: Infinity });
    try {
      const before = upstash.commands();
      expect((await post(relay, batchOf(5, 'count'))).accepted).toHaveLength(5);
      expect(upstash.commands() - before).toBe(15);
    } finally {
      upstream.close();
    }
  });

  it('makes the relay answer retry, and report it, when Upstash refuses the token', async () => {
    const upstream = await startUpstream();
    const errors: ForwardErrorInfo[] = [];
    const relay = createRelay({
      apiKey: 'edge-key',
      upstream: upstream.url,
      fetch,
      state: createRedisState({ client: upstashClient(upstash.url, 'wrong-token'), prefix: 'upstash-refused:' }),
      limits: false,
      onForwardError: (info) => errors.push(info),
    });
    try {
      const body = batchOf(3, 'refused');
      expect(await post(relay, body)).toEqual({ accepted: [], rejected: [], retry: body.batch.map((event) => event.messageId) });
      expect(upstream.received).toEqual([]);
      expect(errors.map((info) => info.reason)).toContain('shared state failed on claim(): Unauthorized');
    } finally {
      upstream.close();
    }
  });
});
