/**
 * The per-client limits across instances: three relays (`createRelay`, called in this
 * process) on one real redis-server, in front of the reference ingest server. A client
 * spread over the instances gets the allowance once, not once per instance; honest traffic
 * spread the same way is never refused; Redis down refuses with `Retry-After`, never
 * forwards unguarded, and recovers by itself.
 *
 * The relays share one clock (real time plus an offset the test moves), so an hour of
 * traffic takes a second. For contrast, the same attacks on three instances that each
 * count in their own memory (what a relay without a shared state does) get three times
 * the allowance.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { createMemoryState, createRedisState, createRelay, type ForwardErrorInfo, type RelayHandler, type RelayResult, type RelayState } from '../../src/relay/index';
import { describeWithRedis, startRedisServer, type RedisServer } from '../support/redis-server';

const MINUTE = 60_000;
const API_KEY = 'instances-key';
/** Above what these tests send in a second, so pacing never decides what they measure. */
const RATE = 5_000;

interface Setup {
  name: string;
  instances: number;
  store: 'redis' | 'memory';
}
const ONE: Setup = { name: '1 instance on Redis', instances: 1, store: 'redis' };
const THREE: Setup = { name: '3 instances on one Redis', instances: 3, store: 'redis' };
const THREE_APART: Setup = { name: '3 instances, each counting in its own memory', instances: 3, store: 'memory' };

let redis: RedisServer;
let reference: ReferenceServer;
let dataDir: string;
const states: RelayState[] = [];
const figures: Record<string, unknown> = {};

describeWithRedis('per-client limits across relay instances', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-instances-'));
    [redis, reference] = await Promise.all([startRedisServer(), startReferenceServer({ port: 0, dataDir, apiKey: API_KEY, quiet: true, rateLimitPerSecond: RATE })]);
  });
  afterAll(async () => {
    await Promise.all(states.map((state) => state.close()));
    await reference?.close();
    await redis?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.log(`relay-abuse-instances figures: ${JSON.stringify(figures)}`);
  });
  beforeEach(async () => {
    await fetch(`${reference.url}/_stub`, { method: 'DELETE' });
  });

  it.each([ONE, THREE, THREE_APART])('2,000 identifies with distinct phones and opt-ins from one IP over an hour, $name', async (setup) => {
    const relays = await startRelays(setup);
    const attack = Array.from({ length: 2_000 }, (_, i) => lead(phone(7_000_000 + i)));
    const statuses = new Map<number, number>();
    const started = Date.now();
    // The script posts batches of 5, 400 of them over the hour (6 or 7 a minute, all of a
    // minute's at once), round robin over the instances, and never retries.
    const batches = Array.from({ length: attack.length / 5 }, (_, b) => attack.slice(b * 5, b * 5 + 5));
    for (let minute = 0; minute < 60; minute++) {
      const due = batches.filter((_, b) => Math.floor((b * 60) / batches.length) === minute);
      const answers = await Promise.all(due.map((batch, i) => relays.post(i, batch, '198.51.100.66')));
      for (const answer of answers) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 429) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        else expect(answer.body).toMatchObject({ rejected: [], retry: [] });
      }
      relays.advance(MINUTE);
    }
    const atRegal = (await received()).length;
    const refused = statuses.get(429) ?? 0;
    expect(atRegal + 5 * refused).toBe(2_000);
    expect(5 * (statuses.get(200) ?? 0)).toBe(atRegal);
    expect(relays.counted('limit_429s', { limit: 'identities' })).toBe(refused);
    expect(relays.reports.filter((r) => /^Too many new phone numbers and email addresses/.test(r.reason))).toHaveLength(refused);
    // 20 a minute for ten minutes, then the hour's 200 are used up, whatever instance is asked.
    expect(atRegal).toBe(setup.store === 'redis' ? 200 : 3 * 200);
    figures[`oneIpLeads, ${setup.name}`] = { attempted: 2_000, reachedRegal: atRegal, refusedBatches: refused, refusedEvents: 5 * refused, ms: Date.now() - started };
  });

  it.each([ONE, THREE, THREE_APART])('one phone identified from 40 IPs at once (X-Forwarded-For, trustProxy), $name', async (setup) => {
    const relays = await startRelays(setup);
    const target = phone(4_242_424);
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => relays.post(i, [lead(target)], `203.0.113.${i + 1}, 10.0.0.1`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const accepted = answers.filter((a) => a.body.accepted.length === 1).length;
    const rejected = answers.flatMap((a) => (a.body as RelayResult).rejected);
    expect(accepted + rejected.length).toBe(40);
    expect(rejected.every((r) => r.reason.startsWith('phone velocity: this phone number was identified from more than 5 client IPs within an hour'))).toBe(true);
    expect(relays.counted('events_held_back', { reason: 'phone_velocity' })).toBe(rejected.length);
    const atRegal = (await received()).length;
    expect(atRegal).toBe(accepted);
    expect(atRegal).toBe(setup.store === 'redis' ? 5 : 3 * 5);
    figures[`onePhoneFrom40Ips, ${setup.name}`] = { ips: 40, reachedRegal: atRegal, heldBack: rejected.length, ms: Date.now() - started };
  });

  it.each([ONE, THREE])('honest: a burst of 300 events from one visitor, each its own batch, all at once, $name', async (setup) => {
    const relays = await startRelays(setup);
    const visitor = { phones: [{ phoneNumber: '+14155550123', isPrimary: true }], emails: [{ emailAddress: 'busy@example.com', isPrimary: true }] };
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => relays.post(i, [{ messageId: `burst-${setup.name}-${i}`, name: 'Configurator Changed', properties: { step: i }, traits: visitor }], '198.51.100.20')));
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    expect(answers.reduce((n, a) => n + a.body.accepted.length, 0)).toBe(300);
    expect((await received()).length).toBe(300);
    expect(relays.reports).toEqual([]);
    figures[`burst, ${setup.name}`] = { events: 300, delivered: 300, refused: 0 };
  });

  it.each([ONE, THREE])('honest: an office of 50 visitors behind one IP for an hour, each sending a lead, $name', async (setup) => {
    const relays = await startRelays(setup);
    let posts = 0;
    const answers: Array<{ status: number; body: any }> = [];
    // Everyone loads a page every 5 minutes (all at once); visitor i sends a lead (phone,
    // email, opt-ins) and its form event at minute 1.2 i.
    for (let minute = 0; minute < 60; minute++) {
      const batches: unknown[][] = [];
      for (let i = 0; i < 50; i++) {
        const page = { messageId: `office-${setup.name}-${i}-page-${minute}`, name: 'Page Viewed', traits: {}, userId: `office-${i}` };
        const leads = Math.floor(i * 1.2) === minute ? [lead(`+1415555${1000 + i}`, { email: `person${i}@office.example`, userId: `office-${i}` }), { messageId: `office-${setup.name}-${i}-form`, name: 'Lead Form Submitted', traits: { phones: [{ phoneNumber: `+1415555${1000 + i}` }] } }] : [];
        if (minute % 5 === 0) batches.push([page, ...leads]);
        else if (leads.length > 0) batches.push(leads);
      }
      answers.push(...(await Promise.all(batches.map((batch) => relays.post(posts++, batch, '203.0.113.50')))));
      relays.advance(MINUTE);
    }
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    expect(answers.flatMap((a) => [...a.body.rejected, ...a.body.retry])).toEqual([]);
    const atRegal = await received();
    expect(atRegal.filter((e) => e.name === 'Lead Form Submitted')).toHaveLength(50);
    expect(atRegal).toHaveLength(50 * 12 + 50 * 2);
    expect(relays.reports).toEqual([]);
    figures[`office, ${setup.name}`] = { visitors: 50, batches: posts, delivered: atRegal.length, refused: 0 };
  });

  it.each([ONE, THREE])('honest: a beacon and its retry of a lead, at once on two instances, then resent, $name', async (setup) => {
    const relays = await startRelays(setup);
    const batch = [lead(phone(5_550_001), { email: 'lead@example.com' }), { messageId: `beacon-form-${setup.name}`, name: 'Lead Form Submitted', traits: { phones: [{ phoneNumber: phone(5_550_001) }] } }];
    // The beacon at unload and the retry of the next page (another network: a phone leaving Wi-Fi).
    const [beacon, retry] = await Promise.all([relays.post(0, batch, '198.51.100.7'), relays.post(1, batch, '198.51.100.8')]);
    const resent = await relays.post(2, batch, '198.51.100.8');
    for (const answer of [beacon, retry, resent]) expect(answer).toMatchObject({ status: 200, body: { rejected: [] } });
    expect(resent.body).toEqual({ accepted: batch.map((e) => e.messageId), rejected: [], retry: [] });
    expect(await received()).toHaveLength(2);
    expect(relays.reports).toEqual([]);
    figures[`beaconAndRetry, ${setup.name}`] = { posts: 3, delivered: 2, refused: 0 };
  });

  it('Redis down: every instance refuses with Retry-After, forwards nothing, reports and counts it; back: delivers again by itself', async () => {
    const own = await startRedisServer();
    try {
      const relays = await startRelays(THREE, own.url);
      expect((await relays.post(0, [lead(phone(8_000_001))], '198.51.100.30')).status).toBe(200);
      await own.stop();
      const down = await Promise.all([0, 1, 2].map((i) => relays.post(i, [lead(phone(8_000_010 + i))], '198.51.100.30')));
      for (const answer of down) {
        expect(answer.status).toBe(503);
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(relays.counted('state_errors')).toBe(3);
      expect(relays.reports.filter((r) => /^limits: the relay's state failed/.test(r.reason))).toHaveLength(3);
      expect(await received()).toHaveLength(1);
      await own.restart();
      // The browser sends again after Retry-After; the Redis client has reconnected by then.
      const deadline = Date.now() + 10_000;
      let again = await relays.post(1, [lead(phone(8_000_011))], '198.51.100.30');
      while (again.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        again = await relays.post(1, [lead(phone(8_000_011))], '198.51.100.30');
      }
      expect(again.body.accepted).toHaveLength(1);
      expect(await received()).toHaveLength(2);
    } finally {
      await own.dispose();
    }
  });
});

/** `setup.instances` relays in front of the reference server, sharing a clock (and a Redis state under a key prefix of their own). */
async function startRelays(setup: Setup, redisUrl = redis.url) {
  const prefix = `limits-${Math.random().toString(36).slice(2)}:`;
  let offset = 0;
  const reports: ForwardErrorInfo[] = [];
  const counts = new Map<string, number>();
  const ready: Array<Promise<void>> = [];
  const relays: RelayHandler[] = Array.from({ length: setup.instances }, () => {
    const state = setup.store === 'redis' ? createRedisState({ url: redisUrl, prefix, timeoutMs: 500 }) : createMemoryState();
    states.push(state);
    ready.push(connected(state));
    return createRelay({
      apiKey: API_KEY,
      upstream: `${reference.url}/events`,
      trustProxy: true,
      rateLimitPerSecond: RATE,
      state,
      now: () => Date.now() + offset,
      onForwardError: (info) => reports.push(info),
      metrics: { inc: (name, by = 1, labels) => counts.set(metricKey(name, labels), (counts.get(metricKey(name, labels)) ?? 0) + by) },
    });
  });
  // Connected before the first batch: a cold start's first batches would be answered 503 (retry).
  await Promise.all(ready);
  return {
    reports,
    /** Moves every instance's clock forward (the limits' windows), not real time. */
    advance: (ms: number) => (offset += ms),
    /** A counter of the relays' metrics hook, summed over the instances. */
    counted: (name: string, labels?: Record<string, string>) => counts.get(metricKey(name, labels)) ?? 0,
    /** Posts `batch` to instance `n` (modulo the number of instances), as from `ip`. */
    async post(n: number, batch: unknown[], ip: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
      const request = new Request('http://relay.test/regal', { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-forwarded-for': ip }, body: JSON.stringify({ batch }) });
      const response = await relays[n % relays.length](request);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
    },
  };
}

/** Waits (up to 5 s) until the state answers: the first connection includes loading the client. */
async function connected(state: RelayState): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await state.ping())) expect(Date.now()).toBeLessThan(deadline);
}

const metricKey = (name: string, labels?: Record<string, string>) => `${name}${labels ? JSON.stringify(labels) : ''}`;

async function received(): Promise<Array<Record<string, any>>> {
  return ((await (await fetch(`${reference.url}/_stub/events`)).json()) as { events: Array<Record<string, any>> }).events;
}

let serial = 0;
/** An identify with a phone (and optionally an email) and opt-ins, as a lead form's submit sends it. */
function lead(phoneNumber: string, extra: { email?: string; userId?: string } = {}) {
  const consent = { subscribed: true, timestamp: '2026-11-27T15:00:00.000Z', source: 'https://shop.example/quote' };
  return {
    messageId: `lead-${serial++}-${phoneNumber}`,
    ...(extra.userId ? { userId: extra.userId } : {}),
    traits: {
      phones: [{ phoneNumber, isPrimary: true, smsOptIn: consent, voiceOptIn: consent }],
      ...(extra.email ? { emails: [{ emailAddress: extra.email, isPrimary: true, emailOptIn: consent }] } : {}),
      firstName: 'Target',
    },
    originalTimestamp: '2026-11-27T15:00:00.000Z',
    eventSource: 'Website',
  };
}

// Numbers Regal can dial (area code 415): an unassigned one (+1 555...) would add a phone warning to the answers.
const phone = (n: number) => `+1415${2_000_000 + n}`;
