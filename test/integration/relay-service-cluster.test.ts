/**
 * Three `regal-relay` processes sharing one Redis in front of one reference ingest server,
 * the way a site runs them behind a load balancer, with everything going wrong at once:
 * every batch posted to two instances at the same time (a beacon and its retry landing on
 * different instances), 30% of Regal's answers 503, one relay stopped with SIGTERM and one
 * killed with SIGKILL (both restarted), and Redis shut down and restarted (appendonly).
 *
 * The browser side is simulated as the SDK behaves: a visitor's events in order, `retry`
 * answers sent again with backoff (and `Retry-After`), the next batch only once the previous
 * one is accepted. Between the relays and the ingest a recording proxy notes when each
 * request arrived and how it was answered.
 *
 * What must hold: every event at /events; no duplicate except an event whose request was
 * in flight upstream when its relay was SIGKILLed (Regal has no idempotency key: between
 * its 200 and the relay's record of it, a kill loses the record); each visitor's events in
 * order; never more than rate + 1 requests in any 1 s window at the ingest; no 429.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { startRedisServer } from '../support/redis-server';
import { requireBuiltBin, startRelayProcess, type RelayProcess } from './relay-service-process';

/** The account's limit at the ingest, and what every relay is told (shared across instances). */
const RATE = 40;
const VISITORS = 20;
const EVENTS_PER_VISITOR = 100;
const BATCH = 10;
const ERROR_RATE = 0.3;

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) {
  const message = 'redis-server is not installed (apt-get install -y redis-server): the regal-relay cluster test is SKIPPED';
  if (process.env.CI === 'true') throw new Error(`${message}, and CI=true requires it.`);
  console.warn(`\n*** ${message} ***\n`);
}

type Redis = Awaited<ReturnType<typeof startRedisServer>>;

interface Arrival {
  at: number;
  key: string;
  status: number;
}

let dataDir: string;
let reference: ReferenceServer;
let redis: Redis;
let proxy: Server;
let proxyUrl: string;
const arrivals: Arrival[] = [];
const relays: RelayProcess[] = [];
const everyProcess: RelayProcess[] = [];

/** Between the relays and the ingest: records each request's arrival, then forwards it. */
async function startRecordingProxy(target: string): Promise<void> {
  const agent = new Agent({ keepAlive: true });
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const at = performance.now();
      let key = '?';
      try {
        const { properties } = JSON.parse(body.toString('utf8'));
        key = `${properties.visitor}:${properties.seq}`;
      } catch {
        // not one of ours: recorded as '?'
      }
      const arrival: Arrival = { at, key, status: 0 };
      arrivals.push(arrival);
      // Sent on even if the relay that asked is gone: what reached Regal stays there.
      const forward = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers, agent }, (answer) => {
        arrival.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  proxy.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}

async function startRelay(port = 0): Promise<RelayProcess> {
  const relay = await startRelayProcess({
    REGAL_API_KEY: 'cluster-key',
    PORT: String(port),
    HOST: '127.0.0.1',
    REGAL_UPSTREAM: `${proxyUrl}/events`,
    REGAL_REDIS_URL: redis.url,
    REGAL_RATE_LIMIT: String(RATE),
  });
  everyProcess.push(relay);
  return relay;
}

describe.skipIf(!hasRedis)('three regal-relay processes on one Redis', () => {
  beforeAll(async () => {
    requireBuiltBin();
    dataDir = await mkdtemp(join(tmpdir(), 'regal-relay-cluster-'));
    reference = await startReferenceServer({ port: 0, dataDir, quiet: true, apiKey: 'cluster-key', rateLimitPerSecond: RATE });
    await fetch(`${reference.url}/_stub/faults`, { method: 'POST', body: JSON.stringify({ errorRate: ERROR_RATE }) });
    await startRecordingProxy(reference.url);
    redis = await startRedisServer();
    relays.push(...(await Promise.all([startRelay(), startRelay(), startRelay()])));
  });

  afterAll(async () => {
    for (const relay of everyProcess) relay.kill('SIGKILL');
    proxy?.closeAllConnections();
    proxy?.close();
    await redis?.stop();
    await reference?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers 2,000 events from 20 visitors once each, in order, within the rate, through SIGTERM, SIGKILL and a Redis restart', async () => {
    const started = performance.now();
    const stats = { posts: 0, retried: 0, unanswered: 0, rejected: [] as string[] };
    let kill: { at: number; relay: number } | undefined;
    const health: Record<string, number[]> = { redisDown: [], redisBack: [] };

    // The simulated browsers.
    const visitor = async (v: number) => {
      const events = Array.from({ length: EVENTS_PER_VISITOR }, (_, seq) => ({
        messageId: randomUUID(),
        userId: `cluster-visitor-${v}`,
        traits: { phones: [{ phoneNumber: `+1555${String(2_000_000 + v).padStart(7, '0')}`, isPrimary: true }] },
        name: 'Cluster Event',
        properties: { visitor: v, seq },
      }));
      for (let b = 0; b < events.length; b += BATCH) {
        let pending = events.slice(b, b + BATCH);
        for (let attempt = 0; pending.length > 0; attempt++) {
          const first = Math.floor(Math.random() * relays.length);
          const second = (first + 1 + Math.floor(Math.random() * (relays.length - 1))) % relays.length;
          const answers = await Promise.all([postBatch(relays[first].url, pending), postBatch(relays[second].url, pending)]);
          stats.posts += 2;
          const done = new Set<string>();
          let retryAfterMs = 0;
          for (const answer of answers) {
            if (answer === undefined) {
              stats.unanswered++;
              continue;
            }
            for (const id of answer.result.accepted) done.add(id);
            for (const { messageId, reason } of answer.result.rejected) {
              done.add(messageId);
              stats.rejected.push(reason);
            }
            retryAfterMs = Math.max(retryAfterMs, answer.retryAfterMs);
          }
          pending = pending.filter((event) => !done.has(event.messageId));
          if (pending.length === 0) break;
          stats.retried += pending.length;
          // The SDK's backoff: full jitter on 250 ms · 2^attempt, at most 2 s, at least Retry-After.
          await sleep(Math.max(retryAfterMs, Math.random() * Math.min(2_000, 250 * 2 ** attempt)));
        }
      }
    };

    // What goes wrong, while the visitors send.
    const trouble = async () => {
      await sleep(8_000);
      const stopped = relays[0];
      stopped.kill('SIGTERM');
      expect((await stopped.exited).code).toBe(0);
      relays[0] = await startRelay(stopped.port);

      await sleep(8_000);
      const killed = relays[1];
      kill = { at: performance.now(), relay: 1 };
      killed.kill('SIGKILL');
      await killed.exited;
      await sleep(1_000);
      relays[1] = await startRelay(killed.port);

      await sleep(8_000);
      await redis.stop();
      await sleep(1_500);
      health.redisDown = await Promise.all(relays.map(async (r) => (await fetch(`${r.url}/healthz`)).status));
      await sleep(2_000);
      await redis.restart();
      await until(async () => (await Promise.all(relays.map(async (r) => (await fetch(`${r.url}/healthz`)).status))).every((s) => s === 200), 10_000);
      health.redisBack = await Promise.all(relays.map(async (r) => (await fetch(`${r.url}/healthz`)).status));
    };

    await Promise.all([Promise.all(Array.from({ length: VISITORS }, (_, v) => visitor(v))), trouble()]);
    const seconds = (performance.now() - started) / 1000;

    // What reached the ingest, in its own order.
    const { events } = (await (await fetch(`${reference.url}/_stub/events`)).json()) as { events: Array<{ properties: { visitor: number; seq: number } }> };
    const copies = new Map<string, number>();
    for (const e of events) copies.set(`${e.properties.visitor}:${e.properties.seq}`, (copies.get(`${e.properties.visitor}:${e.properties.seq}`) ?? 0) + 1);
    const duplicates = [...copies].filter(([, n]) => n > 1).map(([key]) => key);

    // Order: each visitor's first copies, in the ingest's order, are 0, 1, 2, ...
    const seen = new Set<string>();
    const order = new Map<number, number[]>();
    for (const e of events) {
      const key = `${e.properties.visitor}:${e.properties.seq}`;
      if (seen.has(key)) continue;
      seen.add(key);
      order.set(e.properties.visitor, [...(order.get(e.properties.visitor) ?? []), e.properties.seq]);
    }
    const outOfOrder = [...order].filter(([, seqs]) => seqs.some((s, i) => s !== i)).map(([v]) => v);

    // The most requests in any 1 s window at the ingest, and 429s.
    const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
    let most = 0;
    for (let a = 0, b = 0; b < times.length; b++) {
      while (times[b] - times[a] >= 1_000) a++;
      most = Math.max(most, b - a + 1);
    }
    const refusals = ((await (await fetch(`${reference.url}/_stub/stats`)).json()) as { rejected: Record<string, number> }).rejected;

    // Each duplicate: its first copy was answered 200 by Regal just before the SIGKILL
    // (within the relay's 5 s upstream timeout), so the killed relay never recorded it.
    const firstAccepted = new Map<string, number>();
    for (const a of arrivals) if (a.status === 200 && !firstAccepted.has(a.key)) firstAccepted.set(a.key, a.at);
    const unexplained = duplicates.filter((key) => {
      const at = firstAccepted.get(key);
      return kill === undefined || at === undefined || at > kill.at || at < kill.at - 5_000;
    });

    const logs = everyProcess.flatMap((r) => r.logs);
    const summary = {
      seconds: +seconds.toFixed(1),
      eventsSent: VISITORS * EVENTS_PER_VISITOR,
      distinctAtIngest: copies.size,
      recordedAtIngest: events.length,
      duplicates: duplicates.length,
      duplicatesInFlightAtSigkill: duplicates.length - unexplained.length,
      outOfOrderVisitors: outOfOrder.length,
      upstreamRequests: arrivals.length,
      upstream503: arrivals.filter((a) => a.status === 503).length,
      maxRequestsInAnySecond: most,
      rate: RATE,
      refusals,
      posts: stats.posts,
      eventsAnsweredRetry: stats.retried,
      postsUnanswered: stats.unanswered,
      healthWhileRedisDown: health.redisDown,
      healthAfterRedisBack: health.redisBack,
      storeDownLines: logs.filter((l) => l.event === 'store_down').length,
      storeUpLines: logs.filter((l) => l.event === 'store_up').length,
    };
    console.log(`regal-relay cluster: ${JSON.stringify(summary, null, 2)}`);

    expect(stats.rejected).toEqual([]);
    expect(copies.size).toBe(VISITORS * EVENTS_PER_VISITOR);
    expect(unexplained, 'duplicates not in flight at the SIGKILL').toEqual([]);
    // At most one event per visitor is in flight upstream at a time, from one relay.
    expect(duplicates.length).toBeLessThanOrEqual(VISITORS);
    expect(outOfOrder).toEqual([]);
    expect(most).toBeLessThanOrEqual(RATE + 1);
    expect(refusals['429'] ?? 0).toBe(0);
    expect(arrivals.filter((a) => a.status === 429)).toEqual([]);
    expect(health.redisDown).toEqual([503, 503, 503]);
    expect(health.redisBack).toEqual([200, 200, 200]);
    expect(summary.storeDownLines).toBeGreaterThanOrEqual(3);
    expect(summary.storeUpLines).toBeGreaterThanOrEqual(3);
  }, 240_000);
});

interface Answer {
  result: { accepted: string[]; rejected: Array<{ messageId: string; reason: string }>; retry: string[] };
  retryAfterMs: number;
}

/** One POST as the SDK makes it; undefined when no relay answer came (refused, cut, 503). */
async function postBatch(url: string, batch: unknown[]): Promise<Answer | undefined> {
  try {
    const response = await fetch(`${url}/regal`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ batch }),
      signal: AbortSignal.timeout(20_000),
    });
    const retryAfterMs = Number(response.headers.get('retry-after') ?? 0) * 1000 || 0;
    if (response.status !== 200) {
      await response.arrayBuffer();
      return undefined;
    }
    return { result: (await response.json()) as Answer['result'], retryAfterMs };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not met within ${timeoutMs} ms`);
    await sleep(100);
  }
}
