// @vitest-environment node
// The abuse guard inside the relay: what a refused client gets back, what is forwarded, and
// what is counted and reported.
import { describe, expect, it } from 'vitest';
import { event, setup } from './helpers';

const json = async (response: Response) => JSON.parse(await response.text());

function metrics() {
  const calls: Array<[string, number | undefined, Record<string, string | number> | undefined]> = [];
  // The abuse guard's counters only: the same sink also receives the forwarding counters.
  const guardNames = new Set(['limit_429s', 'events_held_back', 'bot_verifications']);
  return { calls, inc: (name: string, by?: number, labels?: Record<string, string | number>) => void (guardNames.has(name) && calls.push([name, by, labels])) };
}

function optInLead(messageId: string, phone: string, extra: Record<string, unknown> = {}) {
  return event(messageId, { userId: undefined, traits: { phones: [{ phoneNumber: phone, smsOptIn: { subscribed: true, timestamp: '2026-05-24T15:00:00.000Z' } }] }, ...extra });
}

describe('the relay under its per-client limits', () => {
  it('answers a client over its batch limit 429 with Retry-After and CORS, before reading the batch, and forwards nothing', async () => {
    const m = metrics();
    const { post, upstream, errors } = setup({ limits: { batchesPerMinute: 2 }, allowedOrigins: ['https://shop.example'], metrics: m });
    for (const id of ['a', 'b']) expect((await post({ batch: [event(id)] }, { origin: 'https://shop.example' })).status).toBe(200);
    const refused = await post('this body is never read', { origin: 'https://shop.example' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(await json(refused)).toEqual({ code: 'too_many_requests', message: expect.stringMatching(/^Too many batches from this client: more than 2 a minute/) });
    expect(upstream.calls).toHaveLength(2);
    expect(errors.filter((e) => e.status === 429)).toHaveLength(1);
    expect(m.calls).toEqual([['limit_429s', 1, { limit: 'batches' }]]);
    // Another client is not affected.
    expect((await post({ batch: [event('c')] }, {}, '198.51.100.1')).status).toBe(200);
  });

  it('answers 429 for a batch bringing more new phones than the minute allows, and forwards none of it', async () => {
    const m = metrics();
    const { post, upstream, clock } = setup({ limits: { newIdentitiesPerMinute: 3 }, metrics: m });
    const batch = ['1', '2', '3', '4'].map((n) => event(`m${n}`, { userId: `v${n}` }));
    const refused = await post({ batch });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(upstream.calls).toHaveLength(0);
    expect(m.calls).toEqual([['limit_429s', 1, { limit: 'identities' }]]);
    // The browser halves its batch and tries again: three fit.
    expect((await json(await post({ batch: batch.slice(0, 3) }))).accepted).toEqual(['m1', 'm2', 'm3']);
    await clock.advance(60_000);
    expect((await json(await post({ batch: batch.slice(3) }))).accepted).toEqual(['m4']);
  });

  it('holds back the events of a phone named from a sixth IP: rejected with the reason, counted, reported, not forwarded', async () => {
    const m = metrics();
    const { post, upstream, errors } = setup({ metrics: m });
    for (let i = 1; i <= 5; i++) expect((await json(await post({ batch: [optInLead(`m${i}`, '+15557654321')] }, {}, `192.0.2.${i}`))).accepted).toHaveLength(1);
    const result = await json(await post({ batch: [optInLead('m6', '+15557654321'), optInLead('m7', '+15550000007')] }, {}, '192.0.2.6'));
    expect(result.accepted).toEqual(['m7']);
    expect(result.rejected).toEqual([{ messageId: 'm6', reason: expect.stringMatching(/^phone velocity: /) }]);
    expect(upstream.calls).toHaveLength(6);
    expect(errors.map((e) => e.messageId)).toEqual(['m6']);
    expect(m.calls).toEqual([['events_held_back', 1, { reason: 'phone_velocity' }]]);
  });

  it('with limits: false, lets one client send anything', async () => {
    const { post, upstream } = setup({ limits: false });
    const batch = Array.from({ length: 100 }, (_, i) => event(`m${i}`, { userId: `v${i}` }));
    for (let i = 0; i < 5; i++) expect((await post({ batch })).status).toBe(200);
    expect(upstream.calls).toHaveLength(100);
  });

  it('counts IPs from X-Forwarded-For only as far as trustProxy says: a forged entry does not make a new client', async () => {
    const { post } = setup({ limits: { batchesPerMinute: 1 }, trustProxy: 1 });
    expect((await post({ batch: [event('a')] }, { headers: { 'x-forwarded-for': '6.6.6.1, 198.51.100.9' } }, '10.0.0.1')).status).toBe(200);
    // The client forges a new leftmost entry; the proxy's own entry (the client's real address) is the same.
    expect((await post({ batch: [event('b')] }, { headers: { 'x-forwarded-for': '6.6.6.2, 198.51.100.9' } }, '10.0.0.1')).status).toBe(429);
  });
});

describe('the relay with bot verification', () => {
  const verifier = (seen: string[]) => ({ verify: (token: string) => (seen.push(token), token.startsWith('good')) });

  it('forwards an opt-in whose token passes, without the token; rejects one without a token or with a bad one', async () => {
    const seen: string[] = [];
    const m = metrics();
    const { post, upstream } = setup({ botVerification: verifier(seen), metrics: m });
    const result = await json(
      await post({
        batch: [
          optInLead('ok', '+15550000001', { botToken: 'good-1' }),
          optInLead('none', '+15550000002'),
          optInLead('bad', '+15550000003', { botToken: 'forged' }),
          event('page', { userId: 'v9', traits: { phones: [{ phoneNumber: '+15550000009' }] } }),
        ],
      }),
    );
    expect(result.accepted.sort()).toEqual(['ok', 'page']);
    expect(result.rejected).toEqual([
      { messageId: 'none', reason: expect.stringMatching(/^bot verification: this event carries an opt-in but no custom verifier token/) },
      { messageId: 'bad', reason: 'bot verification failed: custom verifier: the token did not pass' },
    ]);
    expect(upstream.calls).toHaveLength(2);
    expect(upstream.calls.every((call) => !call.text.includes('botToken') && !call.text.includes('good-1'))).toBe(true);
    expect(seen).toEqual(['good-1', 'forged']);
    expect(m.calls.map(([, , labels]) => labels?.outcome).sort()).toEqual(['failed', 'missing', 'passed']);
  });

  it('answers retry, and forwards nothing unverified, while the verifier is down; delivers on the resend', async () => {
    let down = true;
    const { post, upstream, errors } = setup({
      botVerification: {
        verify: () => {
          if (down) throw new Error('provider timeout');
          return true;
        },
      },
    });
    const batch = [optInLead('lead', '+15550000001', { botToken: 'tok' })];
    expect(await json(await post({ batch }))).toEqual({ accepted: [], rejected: [], retry: ['lead'] });
    expect(upstream.calls).toHaveLength(0);
    expect(errors[0].reason).toBe('bot verification unavailable: custom verifier failed: provider timeout');
    down = false;
    expect((await json(await post({ batch }))).accepted).toEqual(['lead']);
  });

  it('checks bot tokens after the limits: a held-back phone is not verified at all', async () => {
    const seen: string[] = [];
    const { post } = setup({ botVerification: verifier(seen), limits: { ipsPerPhonePerHour: 1 } });
    await post({ batch: [optInLead('m1', '+15557654321', { botToken: 'good-a' })] }, {}, '192.0.2.1');
    const result = await json(await post({ batch: [optInLead('m2', '+15557654321', { botToken: 'good-b' })] }, {}, '192.0.2.2'));
    expect(result.rejected[0].reason).toMatch(/^phone velocity/);
    expect(seen).toEqual(['good-a']);
  });
});
