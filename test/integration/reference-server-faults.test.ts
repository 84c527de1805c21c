/**
 * Fault injection and the rate limit of the reference server: injected errors are
 * answered and not recorded, dropped connections get no answer at all, latency is added,
 * a lowered limit bites at once, a seed replays the same faults, and a burst far over
 * 300 requests/second is held to the token bucket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../demo/server/random';
import { createRateLimiter } from '../../demo/server/rate-limiter';
import {
  startReferenceServer,
  type ReferenceServer,
  type ReferenceServerOptions,
} from '../../demo/server/reference-server';
import { ErrorSchema } from '../../src/wire/schema';

let root: string;
let server: ReferenceServer;
const extraServers: ReferenceServer[] = [];

async function start(options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const dataDir = await mkdtemp(join(root, 'data-'));
  return startReferenceServer({ port: 0, dataDir, quiet: true, ...options });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regal-faults-'));
  server = await start();
});
afterEach(async () => {
  await fetch(`${server.url}/_stub`, { method: 'DELETE' });
  await Promise.all(extraServers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

function post(target: ReferenceServer = server, name = 'Faulty'): Promise<Response> {
  return fetch(`${target.url}/events`, {
    method: 'POST',
    headers: { Authorization: target.apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ traits: {}, userId: 'u-faults', name }),
  });
}

async function setFaults(faults: unknown, target: ReferenceServer = server): Promise<Response> {
  return fetch(`${target.url}/_stub/faults`, { method: 'POST', body: JSON.stringify(faults) });
}

const stub = async (path: string, target: ReferenceServer = server) =>
  (await fetch(`${target.url}/_stub/${path}`)).json();

describe('faults', () => {
  it('errorRate 1: every request answered 503 with an Error body, and nothing recorded', async () => {
    await setFaults({ errorRate: 1 });
    for (let i = 0; i < 10; i++) {
      const response = await post();
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(ErrorSchema.parse(await response.json())).toMatchObject({ code: 'fault_injected' });
    }
    expect((await stub('events')).events).toEqual([]);
    expect(await stub('stats')).toMatchObject({ requests: 10, accepted: 0, faults: { errors: 10, drops: 0 } });
  });

  it('errorStatus chooses the injected status', async () => {
    await setFaults({ errorRate: 1, errorStatus: 500 });
    expect((await post()).status).toBe(500);
  });

  it('errorRetryAfter sets the injected Retry-After, 0 included', async () => {
    await setFaults({ errorRate: 1, errorRetryAfter: 3 });
    expect((await post()).headers.get('retry-after')).toBe('3');
    await setFaults({ errorRate: 1, errorRetryAfter: 0 });
    const response = await post();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('0');
    expect((await setFaults({ errorRetryAfter: -1 })).status).toBe(400);
    expect((await setFaults({ errorRetryAfter: 1.5 })).status).toBe(400);
  });

  it('dropRate 1: the connection is destroyed without an answer, and nothing recorded', async () => {
    await setFaults({ dropRate: 1 });
    await expect(post()).rejects.toThrow();
    await expect(post()).rejects.toThrow();
    expect((await stub('events')).events).toEqual([]);
    expect((await stub('stats')).faults).toEqual({ errors: 0, drops: 2 });
  });

  it('latencyMs: the answer comes no sooner than the latency', async () => {
    await setFaults({ latencyMs: 200 });
    const started = performance.now();
    expect((await post()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('rateLimit: a lower limit bites at once, with Retry-After, and lifts when cleared', async () => {
    await setFaults({ rateLimit: 5 });
    const started = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await post();
      statuses.push(response.status);
      if (response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
        expect(ErrorSchema.parse(await response.json())).toMatchObject({ code: 'rate_limited' });
      }
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const accepted = statuses.filter((s) => s === 200).length;
    expect(accepted).toBeGreaterThanOrEqual(5); // the burst
    expect(accepted).toBeLessThanOrEqual(5 + Math.ceil(5 * elapsedSeconds) + 1);
    expect(statuses).toContain(429);

    // Back at 300/s a token is back within 3.3 ms; at 5/s it would take 200 ms.
    await fetch(`${server.url}/_stub/faults`, { method: 'DELETE' });
    await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    expect((await post()).status).toBe(200);
  });

  it('apply to /events only: inspection keeps answering', async () => {
    await setFaults({ errorRate: 1, dropRate: 0 });
    expect((await fetch(`${server.url}/_stub/events`)).status).toBe(200);
    expect((await fetch(`${server.url}/_stub/stats`)).status).toBe(200);
  });

  it('are shown by GET, replaced by POST, cleared by DELETE; a bad body is refused', async () => {
    expect(await (await setFaults({ errorRate: 0.3, latencyMs: 10 })).json()).toEqual({
      faults: { errorRate: 0.3, latencyMs: 10 },
    });
    await setFaults({ dropRate: 0.05 });
    expect(await stub('faults')).toEqual({ faults: { dropRate: 0.05 } });

    const typo = await setFaults({ errorrate: 1 });
    expect(typo.status).toBe(400);
    expect(ErrorSchema.parse(await typo.json()).message).toContain('errorrate');
    expect((await setFaults({ errorRate: 2 })).status).toBe(400);
    expect((await setFaults({ errorStatus: 200 })).status).toBe(400);
    expect((await fetch(`${server.url}/_stub/faults`, { method: 'POST', body: '{' })).status).toBe(400);
    expect(await stub('faults')).toEqual({ faults: { dropRate: 0.05 } });

    await fetch(`${server.url}/_stub/faults`, { method: 'DELETE' });
    expect(await stub('faults')).toEqual({ faults: {} });
  });

  it('a seeded random source replays the same faults', async () => {
    const statusesOf = async () => {
      const seeded = await start({ random: seededRandom(42) });
      extraServers.push(seeded);
      await setFaults({ errorRate: 0.5 }, seeded);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await post(seeded)).status);
      return statuses;
    };
    const first = await statusesOf();
    expect(await statusesOf()).toEqual(first);
    expect(first).toContain(200);
    expect(first).toContain(503);
  });
});

describe('token bucket (pure, on a fake clock)', () => {
  let now = 0;
  const limiter = createRateLimiter(() => now);
  const takeMany = (count: number, limit: number, key = 'k') =>
    Array.from({ length: count }, () => limiter.take(key, limit).allowed).filter(Boolean).length;

  it('lets a burst of the limit through, then one request per 1/limit seconds', () => {
    limiter.reset();
    now = 0;
    expect(takeMany(301, 300)).toBe(300);
    expect(limiter.take('k', 300)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 100; // 100 ms refill 30 tokens
    expect(takeMany(40, 300)).toBe(30);
    now = 10_000; // a long pause refills to the burst, never beyond
    expect(takeMany(400, 300)).toBe(300);
  });

  it('says when to come back, in whole seconds, at least 1', () => {
    limiter.reset();
    now = 0;
    expect(takeMany(2, 0.25)).toBe(1); // below 1/s, the burst is still one request
    expect(limiter.take('k', 0.25)).toEqual({ allowed: false, retryAfterSeconds: 4 });
    now = 3_000;
    expect(limiter.take('k', 0.25)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 4_000;
    expect(limiter.take('k', 0.25)).toEqual({ allowed: true });
  });

  it('caps a full bucket at once when the limit is lowered, and keeps keys apart', () => {
    limiter.reset();
    now = 0;
    expect(takeMany(1, 300)).toBe(1);
    expect(takeMany(10, 5)).toBe(5);
    expect(takeMany(10, 5, 'other-key')).toBe(5);
  });
});

describe('rate limit', () => {
  /** Sends `total` events with `concurrency` in flight, as fast as they go; counts answers. */
  async function burst(target: ReferenceServer, total: number, concurrency = 50) {
    const statuses: number[] = [];
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < total) {
        next++;
        const response = await post(target, 'Burst');
        await response.arrayBuffer();
        statuses.push(response.status);
        if (response.status === 429) {
          const retryAfter = Number(response.headers.get('retry-after'));
          expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const accepted = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    return { statuses, accepted, limited, elapsedSeconds };
  }

  it('holds a burst of 900 requests to the limit: some 429s, accepted within the bucket', async () => {
    // 50/s rather than Regal's 300: a two-core machine shared with other suites cannot
    // always send faster than 300/s (measured: 900 requests took 5.5 s under load, 163/s),
    // and without going over there is no 429 to see.
    const limit = 50;
    const limited = await start({ rateLimitPerSecond: limit });
    extraServers.push(limited);
    const result = await burst(limited, 900);

    expect(result.accepted + result.limited).toBe(900);
    expect(result.limited).toBeGreaterThan(0);
    expect(result.accepted).toBeGreaterThanOrEqual(limit); // the burst is the limit
    expect(result.accepted).toBeLessThanOrEqual(limit * (result.elapsedSeconds + 1) + 5);
    // What was accepted is exactly what was recorded; every refusal was counted.
    expect((await stub('events', limited)).events).toHaveLength(result.accepted);
    expect((await stub('stats', limited)).rejected).toEqual({ 429: result.limited });
  });

  it("defaults to Regal's 300/second: a burst of 300 passes whole, and no more than the rate follows", async () => {
    const regal = await start();
    extraServers.push(regal);
    const first = await burst(regal, 300);
    expect(first.accepted).toBe(300);
    const second = await burst(regal, 300);
    const total = first.elapsedSeconds + second.elapsedSeconds;
    expect(first.accepted + second.accepted).toBeLessThanOrEqual(300 * (total + 1) + 5);
  });
});
