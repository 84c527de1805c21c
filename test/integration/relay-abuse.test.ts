/**
 * Who may use the relay, over real HTTP: the relay (`toNodeHandler(createRelay(...))`,
 * trusting `X-Forwarded-For` so one test process can be many clients) in front of the
 * reference ingest server. Abuse is held to the configured allowance, every refusal is
 * counted, and honest traffic (the real SDK, a busy visitor, an office behind one address,
 * a beacon and its retry) is delivered without a single refusal.
 *
 * The relay's clock is the test's (real time plus an offset the test moves), so an hour of
 * traffic takes seconds; everything else runs on real time.
 */
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { createRegal } from '../../src/browser/client/client';
import type { RegalClient } from '../../src/browser/types';
import { createRelay, toNodeHandler, type ForwardErrorInfo, type RelayOptions, type RelayResult } from '../../src/relay/index';
import { startSiteverifyStandIn, type SiteverifyStandIn } from '../support/siteverify-stand-in';

const MINUTE = 60_000;

let reference: ReferenceServer;
let dataDir: string;
const servers: Server[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-abuse-'));
  reference = await startReferenceServer({ port: 0, dataDir, apiKey: 'abuse-key', quiet: true });
});
afterAll(async () => {
  await Promise.all(servers.map((server) => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve)))));
  await reference?.close();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await fetch(`${reference.url}/_stub`, { method: 'DELETE' });
});

/** Events the reference server recorded (what Regal would have received). */
async function received(): Promise<Array<Record<string, any>>> {
  return ((await (await fetch(`${reference.url}/_stub/events`)).json()) as { events: Array<Record<string, any>> }).events;
}

/** A relay on its own port in front of the reference server, with a clock the test moves. */
async function startRelay(options: Partial<RelayOptions> = {}) {
  let offset = 0;
  const reports: ForwardErrorInfo[] = [];
  const handler = toNodeHandler(
    createRelay({
      apiKey: 'abuse-key',
      upstream: `${reference.url}/events`,
      trustProxy: true,
      now: () => Date.now() + offset,
      onForwardError: (info) => reports.push(info),
      ...options,
    }),
  );
  const server = createServer((req, res) => handler(req, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/regal`,
    reports,
    /** Moves the relay's clock forward (the limits' windows), not real time. */
    advance: (ms: number) => (offset += ms),
    refusals: (pattern: RegExp) => reports.filter((r) => pattern.test(r.reason)),
  };
}

let serial = 0;
/** An identify with a phone, an email and opt-ins, as a lead form's submit sends it. */
function lead(phone: string, extra: Record<string, unknown> = {}) {
  const n = serial++;
  return {
    messageId: `lead-${n}-${phone}`,
    traits: {
      phones: [{ phoneNumber: phone, isPrimary: true, smsOptIn: { subscribed: true, timestamp: '2026-11-27T15:00:00.000Z', source: 'https://shop.example/quote' }, voiceOptIn: { subscribed: true, timestamp: '2026-11-27T15:00:00.000Z' } }],
      firstName: 'Target',
    },
    originalTimestamp: '2026-11-27T15:00:00.000Z',
    eventSource: 'Website',
    ...extra,
  };
}

const phone = (n: number) => `+1555${String(n).padStart(7, '0')}`;

async function post(url: string, batch: unknown[], ip: string): Promise<{ status: number; retryAfter: string | null; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-forwarded-for': ip }, body: JSON.stringify({ batch }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

describe('abuse: what a script can get through the public relay', () => {
  it('2,000 identifies with distinct phones and opt-ins from one IP, for an hour: 200 reach Regal, every other one refused and counted', async () => {
    const relay = await startRelay();
    const attack = Array.from({ length: 2_000 }, (_, i) => lead(phone(7_000_000 + i)));
    let delivered = 0;
    let refusedBatches = 0;
    let refusedEvents = 0;
    let cursor = 0;
    // The script posts batches of 10 as fast as it can, and tries again every minute for an
    // hour from where it was refused; it never gives up on an event.
    for (let minute = 0; minute < 60 && cursor < attack.length; minute++) {
      for (;;) {
        const batch = attack.slice(cursor, cursor + 10);
        if (batch.length === 0) break;
        const answer = await post(relay.url, batch, '198.51.100.66');
        if (answer.status === 429) {
          expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
          refusedBatches++;
          refusedEvents += batch.length;
          break;
        }
        expect(answer.status).toBe(200);
        delivered += (answer.body as RelayResult).accepted.length;
        cursor += batch.length;
      }
      relay.advance(MINUTE);
    }
    const atRegal = await received();
    expect(atRegal).toHaveLength(200);
    expect(delivered).toBe(200);
    // 20 a minute for ten minutes, then the hour's 200 are used up: one refusal a minute after.
    expect(refusedBatches).toBe(60);
    expect(relay.refusals(/^Too many new phone numbers and email addresses/)).toHaveLength(refusedBatches);
    expect(relay.refusals(/^Too many new phone numbers/).every((r) => r.status === 429)).toBe(true);
    // What was never even tried this hour (the script stopped at its first refusal each minute).
    const untried = attack.length - cursor - 10;
    figures.abuseOneIp = { attempted: attack.length, reachedRegal: atRegal.length, refusedBatches, refusedEventsInThem: refusedEvents, notYetSent: untried };
  });

  it('one phone identified from 40 IPs (X-Forwarded-For behind a trusted proxy): 5 reach Regal, 35 held back, counted and reported', async () => {
    const relay = await startRelay();
    const target = phone(4_242_424);
    const outcomes = [];
    for (let i = 0; i < 40; i++) outcomes.push((await post(relay.url, [lead(target)], `203.0.113.${i + 1}, 10.0.0.1`)).body as RelayResult);
    expect(outcomes.filter((o) => o.accepted.length === 1)).toHaveLength(5);
    const rejected = outcomes.flatMap((o) => o.rejected);
    expect(rejected).toHaveLength(35);
    expect(rejected[0].reason).toMatch(/^phone velocity: this phone number was identified from more than 5 client IPs within an hour \(limits.ipsPerPhonePerHour\)/);
    const atRegal = await received();
    expect(atRegal).toHaveLength(5);
    expect(atRegal.every((e) => e.traits.phones[0].phoneNumber === target)).toBe(true);
    // Each held-back event reported once, by messageId, without the number itself.
    const reports = relay.refusals(/^phone velocity/);
    expect(new Set(reports.map((r) => r.messageId)).size).toBe(35);
    expect(reports.some((r) => r.reason.includes('4242424'))).toBe(false);
    // The first five keep working (the visitor's own devices and networks).
    expect(((await post(relay.url, [lead(target)], '203.0.113.1')).body as RelayResult).accepted).toHaveLength(1);
    figures.abusePhoneFromManyIps = { ips: 40, reachedRegal: 5, heldBack: 35 };
  });

  it('a client hammering one IP: 600 batches a minute, then 429 with Retry-After; a refused batch forwards nothing', async () => {
    const relay = await startRelay();
    const statuses = new Map<number, number>();
    let retryAfter: string | null = null;
    for (let i = 0; i < 700; i++) {
      const answer = await post(relay.url, [{ messageId: `page-${i}`, traits: {}, name: 'Page Viewed' }], '192.0.2.99');
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 429) retryAfter = answer.retryAfter;
    }
    // The bucket refills one batch per 100 ms of real time while the loop runs.
    expect(statuses.get(200)).toBeGreaterThanOrEqual(600);
    expect(statuses.get(200)! + statuses.get(429)!).toBe(700);
    expect(retryAfter).toBe('1');
    expect(await received()).toHaveLength(statuses.get(200)!);
    expect(relay.refusals(/^Too many batches from this client/)).toHaveLength(statuses.get(429)!);
    // Another client is not affected.
    expect((await post(relay.url, [{ messageId: 'other-1', traits: {}, name: 'Page Viewed' }], '192.0.2.100')).status).toBe(200);
  });
});

describe('honest traffic: nothing refused', () => {
  let clients: RegalClient[] = [];
  afterEach(() => {
    clients.forEach((c) => c.destroy());
    clients = [];
  });
  const visitor = (endpoint: string, name: string) => {
    const regal = createRegal({ endpoint, storageName: name, flushIntervalMs: 0, captureAttribution: false });
    clients.push(regal);
    return regal;
  };
  /** Waits until the clients have nothing left to send (or fails after `ms`); held events of anonymous visitors wait for their identify. */
  const drained = async (regals: RegalClient[], ms = 20_000) => {
    const deadline = Date.now() + ms;
    while (regals.some((r) => r.stats().queued > 0)) {
      expect(Date.now()).toBeLessThan(deadline);
      await Promise.all(regals.map((r) => r.flush()));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('a burst of 300 events from one visitor (the real SDK) is delivered in full', async () => {
    const relay = await startRelay();
    const regal = visitor(relay.url, 'busy-visitor');
    const calls: PromiseLike<unknown>[] = [regal.identify({ phone: '+14155550123', email: 'busy@example.com' })];
    for (let i = 0; i < 300; i++) calls.push(regal.track('Configurator Changed', { step: i }));
    await Promise.all(calls); // stored
    await drained([regal]);
    const atRegal = await received();
    expect(atRegal).toHaveLength(301);
    expect(regal.stats()).toMatchObject({ delivered: 301, dropped: { rejected: 0 } });
    expect(relay.reports).toEqual([]);
    figures.burst = { events: 301, delivered: atRegal.length, refused: relay.reports.length };
  });

  it('an office of 50 visitors behind one IP, browsing for an hour and each sending a lead: all delivered', async () => {
    const relay = await startRelay();
    const office = Array.from({ length: 50 }, (_, i) => visitor(relay.url, `office-${i}`));
    // An hour in 60 steps: everyone browses every minute; visitor i sends their lead at minute 1.2 i.
    for (let minute = 0; minute < 60; minute++) {
      const calls: PromiseLike<unknown>[] = [];
      office.forEach((regal, i) => {
        calls.push(regal.page(undefined, `Docs ${minute}`));
        if (Math.floor(i * 1.2) === minute) {
          calls.push(regal.identify({ phone: `+1415555${String(1000 + i)}`, email: `person${i}@office.example` }));
          calls.push(regal.track('Lead Form Submitted'));
        }
      });
      await Promise.all(calls);
      await drained(office);
      relay.advance(MINUTE);
    }
    expect(office.every((r) => r.stats().held === 0)).toBe(true);
    const atRegal = await received();
    const leads = atRegal.filter((e) => e.name === 'Lead Form Submitted');
    expect(leads).toHaveLength(50);
    // Every page view of the hour, each visitor's held ones released at their identify.
    expect(atRegal.filter((e) => e.name === 'Page Viewed')).toHaveLength(50 * 60);
    expect(office.reduce((n, r) => n + r.stats().delivered, 0)).toBe(atRegal.length);
    expect(office.every((r) => r.stats().dropped.rejected === 0)).toBe(true);
    expect(relay.reports).toEqual([]);
    figures.office = { visitors: 50, delivered: atRegal.length, leads: leads.length, refused: relay.reports.length };
  });

  it('the SDK keeps its events through a 429 and delivers them after Retry-After', async () => {
    // A bucket of 5 batches, refilled one a second: the SDK's sixth batch in a row is refused.
    const relay = await startRelay({ limits: { batchesPerMinute: 60 } });
    const regal = visitor(relay.url, 'refused-once');
    const errors: string[] = [];
    regal.on('error', (e) => errors.push(`${e.code} ${e.status}`));
    await regal.identify({ phone: '+14155550199' });
    for (let i = 0; i < 70; i++) {
      regal.track('Step', { i });
      await regal.flush();
    }
    expect(relay.refusals(/^Too many batches/).length).toBeGreaterThan(0);
    expect(errors).toContain('delivery_failed 429');
    await drained([regal], 30_000);
    expect((await received()).filter((e) => e.name === 'Step')).toHaveLength(70);
    expect(regal.stats().dropped).toMatchObject({ rejected: 0, overflow: 0, expired: 0 });
  });
});

describe('bot verification of lead submits', () => {
  let standIn: SiteverifyStandIn;
  beforeAll(async () => {
    standIn = await startSiteverifyStandIn({ provider: 'turnstile', secret: 'ts-secret' });
  });
  afterAll(() => standIn.stop());
  const verified = () => startRelay({ botVerification: { provider: 'turnstile', secret: 'ts-secret', verifyUrl: standIn.url } });

  it('forwards a lead whose token passes, and its beacon and retry (concurrent and later) once, verifying the token once', async () => {
    const relay = await verified();
    standIn.issue('ts-good-lead');
    const calls = standIn.calls.length;
    const batch = [lead(phone(5_550_001), { botToken: 'ts-good-lead' }), { messageId: `t-${serial++}`, traits: { phones: [{ phoneNumber: phone(5_550_001) }] }, name: 'Lead Form Submitted' }];
    // The beacon at unload and the retry of the next page, racing.
    const [beacon, retry] = await Promise.all([post(relay.url, batch, '198.51.100.7'), post(relay.url, batch, '198.51.100.7')]);
    // A resend a minute later from another network (the retry after a relay restart).
    relay.advance(MINUTE);
    const later = await post(relay.url, batch, '198.51.100.8');
    for (const answer of [beacon, retry, later]) {
      expect(answer.status).toBe(200);
      expect(answer.body.rejected).toEqual([]);
    }
    expect(answer(beacon).accepted.length + answer(retry).accepted.length).toBeGreaterThanOrEqual(2);
    expect(later.body.accepted).toHaveLength(2);
    const atRegal = await received();
    expect(atRegal).toHaveLength(2);
    expect(atRegal[0]).not.toHaveProperty('botToken');
    expect(standIn.calls.length - calls).toBe(1);
    figures.beaconAndRetry = { posts: 3, delivered: atRegal.length, refused: 0, providerCalls: standIn.calls.length - calls };
  });

  it('2,000 leads with forged tokens, or none: nothing with consent reaches Regal, every one rejected with a reason', async () => {
    const relay = await startRelay({ limits: false, botVerification: { provider: 'turnstile', secret: 'ts-secret', verifyUrl: standIn.url } });
    let rejected = 0;
    const reasons = new Set<string>();
    for (let i = 0; i < 2_000; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => lead(phone(6_000_000 + i + j), (i + j) % 2 === 0 ? { botToken: `forged-${i + j}` } : {}));
      const { body } = await post(relay.url, batch, '198.51.100.66');
      rejected += body.rejected.length;
      body.rejected.forEach((r: { reason: string }) => reasons.add(r.reason.replace(/\d+/g, 'N')));
    }
    expect(rejected).toBe(2_000);
    expect(await received()).toHaveLength(0);
    expect([...reasons].sort()).toEqual([
      'bot verification failed: turnstile: invalid-input-response (the token is invalid: forged, or issued for another site key)',
      'bot verification: this event carries an opt-in but no turnstile token. Put the widget inside the form that collects consent (the SDK reads its token at submit) or pass { botToken } to identify()',
    ]);
    figures.forgedTokens = { attempted: 2_000, reachedRegal: 0, rejected };
  });
});

function answer(a: { body: any }): RelayResult {
  return a.body as RelayResult;
}

const figures: Record<string, unknown> = {};
afterAll(() => {
  // The figures for the closing note (printed, not asserted twice).
  console.log(`relay-abuse figures: ${JSON.stringify(figures)}`);
});
