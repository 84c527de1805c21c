/**
 * The README's client for an HTTP Redis (examples/upstash-client.ts, shown verbatim in the
 * README), proven: the RelayState contract through it, and two web-standard relays (as in
 * Vercel Edge functions or Workers) on it, against a stand-in for Upstash's REST API that
 * runs each command on a real redis-server.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstashClient } from '../../examples/upstash-client';
import { createRedisState, createRelay, type ForwardErrorInfo, type RelayHandler, type RelayResult } from '../../src/relay/index';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';
import { limitStateContract } from '../support/limit-state-contract';
import { relayStateContract } from '../support/relay-state-contract';
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

  describe('as the client of createRedisState: the RelayState contract', () => {
    relayStateContract(() => createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-contract:' }));
    limitStateContract("the Upstash client's", () => createRedisState({ client: upstashClient(upstash.url, TOKEN), prefix: 'upstash-limits:' }).limits);
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
