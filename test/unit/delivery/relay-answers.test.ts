// What the client does with the relay's answer: accepted events leave the queue, refused ones
// are dropped and reported, retried ones wait for the backoff, and a 413 makes batches smaller.
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../../src/relay';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, fakeRelay, tick } from '../helpers';

const make = clientsPerTest();

describe('accepted, refused, retried', () => {
  it('drops and reports what the relay refuses for good, keeps what it asks to retry', async () => {
    let n = 0;
    const relay = fakeRelay((body) => {
      n++;
      const [a, b, c] = body.batch.map((e: any) => e.messageId);
      if (n == 1) return new Response(JSON.stringify({ accepted: [a], rejected: [{ messageId: b, reason: 'traits: expected object' }], retry: [c] }), { status: 200 });
      return new Response(JSON.stringify({ accepted: body.batch.map((e: any) => e.messageId), rejected: [], retry: [] }), { status: 200 });
    });
    const regal = make({ holdUntilContactable: false });
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    regal.track('a');
    regal.track('b');
    await regal.track('c');
    await regal.flush();
    expect(regal.stats()).toMatchObject({ delivered: 1, queued: 1, dropped: { rejected: 1 } });
    expect(errors.map((e) => e.code)).toContain('event_rejected');
    expect(relay.sent).toHaveLength(1);
  });

  it('keeps events through a failing endpoint and does not retry before the backoff', async () => {
    const relay = fakeRelay(() => new Response('{}', { status: 503, headers: { 'Retry-After': '120' } }));
    const regal = make({ holdUntilContactable: false });
    await regal.track('a');
    await regal.flush();
    await regal.flush();
    await tick(20);
    expect(relay.sent).toHaveLength(1);
    expect(regal.stats()).toMatchObject({ queued: 1, delivered: 0 });
  });
});

describe('413: a batch too large for the relay', () => {
  it('once a batch size the relay takes is found, does not go back to batches it refuses with 413 after every success', async () => {
    // A relay (or a proxy in front of it) whose body limit fits 4 of these events.
    let refused = 0;
    const relay = fakeRelay((body) => (body.batch.length > 4 ? (refused++, new Response('too large', { status: 413 })) : (undefined as any)));
    const regal = make({ holdUntilContactable: false });
    for (let i = 0; i < 80; i++) regal.track('Clicked', { i });
    await regal.flush();
    const taken = relay.sent.filter((s) => s.body.batch.length <= 4).flatMap((s) => s.body.batch);
    expect(new Set(taken.map((e: any) => e.messageId)).size).toBe(80);
    expect(regal.stats().dropped.rejected).toBe(0);
    // Halving 100 -> 50 -> 25 -> 13 -> 7 -> 4 costs 5 refusals; each later one is a wasted request.
    expect(refused).toBeLessThanOrEqual(6);
  });

  it('does not drop a relay batch for good when it is over the relay\'s byte limit in UTF-8 (counted in UTF-16 units)', async () => {
    // The real relay (default options: maxBodyBytes 512 KB, counted in UTF-8 bytes by read-body.ts).
    const upstream = async () => new Response('{}', { status: 200 });
    // A relay with a body limit under the SDK's batch cap, so that a 413 does happen.
    const handler = createRelay({ apiKey: 'k', fetch: upstream as typeof fetch, rateLimitPerSecond: Infinity, maxBodyBytes: 200_000 });
    const relay = fakeRelay((body) => handler(new Request('https://shop.example/regal', { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })));
    const statuses: number[] = [];
    const regal = make({ holdUntilContactable: false });
    // 100 events of 2,000 CJK characters: 200 K characters (under batchBytes 256,000) but ~600 KB of UTF-8.
    for (let i = 0; i < 100; i++) regal.track('Review Read', { text: '評'.repeat(2000) });
    await regal.flush();
    expect(relay.sent.length).toBeGreaterThan(0);
    statuses.push(...(await Promise.all(relay.fetchMock.mock.results.map(async (r: any) => (await r.value).status))));
    expect(statuses).toContain(413); // the relay refused the whole batch as too large
    // A 413 taken as a refusal for good would drop all 100 valid events as 'rejected'.
    expect(regal.stats().dropped.rejected).toBe(0);
  });
});

describe("the relay's phone warnings", () => {
  // The real relay in front of an upstream that takes everything.
  const realRelay = () => {
    const handler = createRelay({ apiKey: 'k', fetch: (async () => new Response('{}', { status: 200 })) as typeof fetch, rateLimitPerSecond: Infinity });
    return fakeRelay((body) => handler(new Request('https://shop.example/regal', { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: JSON.stringify(body) })));
  };

  it('a number Regal cannot dial is delivered, and reported on the error channel for its identify, the number as the value, not in the message', async () => {
    realRelay();
    const regal = make();
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    // 555 is no area code: the browser's shallow check lets it through.
    await regal.identify({ phone: '(555) 123-4567' });
    await regal.track('Quote Requested');
    await regal.flush();
    expect(regal.stats()).toMatchObject({ delivered: 2, queued: 0 });
    expect(errors.map(({ code, value }) => ({ code, value }))).toEqual([{ code: 'undialable_phone', value: '+15551234567' }]);
    expect(errors[0].message).toMatch(/^Regal cannot dial the phone of event [\w-]+: not assigned/);
    expect(errors[0].message).not.toContain('5551234567');
  });

  it('an SMS opt-in on a landline: sms_opt_in_not_mobile; a valid mobile: no report', async () => {
    realRelay();
    const regal = make({ defaultCountry: 'GB' });
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    await regal.identify({ phones: [{ phoneNumber: '020 7946 0958', smsOptIn: { subscribed: true } }] });
    await regal.identify({ phones: [{ phoneNumber: '07400 123456', smsOptIn: { subscribed: true } }] });
    await regal.flush();
    expect(regal.stats().delivered).toBe(2);
    expect(errors.map(({ code, value }) => ({ code, value }))).toEqual([{ code: 'sms_opt_in_not_mobile', value: '+442079460958' }]);
  });

  it('warnings that are not a list (an endpoint other than the relay) are ignored, the events delivered', async () => {
    fakeRelay((body) => new Response(JSON.stringify({ accepted: body.batch.map((e: any) => e.messageId), rejected: [], retry: [], warnings: { oops: 1 } }), { status: 200 }));
    const regal = make();
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    await regal.identify({ phone: '(555) 123-4567' });
    await regal.flush();
    expect(regal.stats()).toMatchObject({ delivered: 1, queued: 0 });
    expect(errors).toEqual([]);
  });
});
