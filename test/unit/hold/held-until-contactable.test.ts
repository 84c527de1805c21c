// holdUntilContactable: an anonymous visitor's events wait in storage until a phone or an
// email is known, and leave stamped with it, in order.
import { describe, expect, it } from 'vitest';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('holding anonymous visitors', () => {
  it('holds events until a phone is known, then sends them stamped with it, in order', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.page();
    regal.track('CTA Clicked', { label: 'quote' });
    await regal.flush();
    expect(relay.sent).toHaveLength(0);
    expect(regal.stats()).toMatchObject({ held: 2, queued: 0 });

    await regal.identify({ phone: '(555) 123-4567', smsOptIn: true } as any);
    await regal.flush();
    const events = relay.events();
    expect(events.map((e) => e.name ?? 'identify')).toEqual(['Page Viewed', 'CTA Clicked', 'identify']);
    for (const e of events) expect(e.traits.phones[0]).toMatchObject({ phoneNumber: '+15551234567', isPrimary: true });
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0, delivered: 3 });
  });

  it('keeps the original timestamps of held events', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.track('Early', {}, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.identify({ email: 'Jane@Example.COM' });
    await regal.flush();
    const early = relay.events().find((e) => e.name == 'Early');
    expect(early.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(early.traits.emails[0].emailAddress).toBe('Jane@example.com');
  });

  it('never stamps a held event with the next visitor\'s phone after reset', async () => {
    const relay = fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('First visitor browsed');
    await regal.reset();
    await regal.identify({ phone: '+14155550100' });
    await regal.flush();
    expect(relay.events().map((e) => e.name)).not.toContain('First visitor browsed');
    expect(dropped).toEqual([expect.objectContaining({ reason: 'reset', count: 1 })]);
    expect(regal.stats().dropped.reset).toBe(1);
  });

  it('sends at once when holding is turned off', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('Anonymous');
    await regal.flush();
    expect(relay.events()).toHaveLength(1);
    expect(relay.events()[0].traits).toEqual({});
    expect(relay.events()[0].userId).toBe(regal.user().anonymousId);
  });
});
