// The events each kind of call builds: Regal's wire shape, with the page's context.
import { describe, expect, it } from 'vitest';
import { RelayEventSchema } from '../../../src/wire/schema';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('events on the wire', () => {
  it('every kind of call builds events the wire schema accepts', async () => {
    const relay = fakeRelay();
    const regal = make();
    regal.page('Docs', 'Install', { section: 'npm' });
    regal.screen('Home');
    regal.track('Clicked', { n: 1 });
    regal.identify('u9', { phones: [{ phoneNumber: '+15551234567', label: 'mobile', smsOptIn: { subscribed: true } }], emails: [{ emailAddress: 'a@b.co', emailOptIn: { subscribed: false } }], address: { city: 'Boston' } });
    await regal.flush();
    expect(relay.events()).toHaveLength(4);
    for (const event of relay.events()) {
      const parsed = RelayEventSchema.safeParse(event);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      expect(event.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.eventSource).toBe('Website');
      expect(new Date(event.originalTimestamp).toISOString()).toBe(event.originalTimestamp);
    }
    const page = relay.events()[0];
    expect(page).toMatchObject({ name: 'Page Viewed', properties: { category: 'Docs', name: 'Install', section: 'npm', path: location.pathname, url: location.href } });
    expect(relay.events()[1]).toMatchObject({ name: 'Screen Viewed', properties: { name: 'Home' } });
  });

  it('page() captures the UTM campaign of the url', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    regal.page({}, { context: { page: { url: 'https://a.co/x?utm_source=google&utm_campaign=spring', search: '?utm_source=google&utm_campaign=spring', path: '/x' } } } as any);
    await regal.flush();
    expect(relay.events()[0].properties).toMatchObject({ utm_source: 'google', utm_campaign: 'spring', path: '/x' });
  });
});
