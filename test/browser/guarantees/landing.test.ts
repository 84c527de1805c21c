/**
 * The demo landing page (`/`, script tag + snippet, relay mode) in every engine (the vitest
 * projects 'browser' and 'webkit'): an anonymous visitor's events are held; the lead form
 * makes them a contact with an E.164 phone and the consent they gave, and releases what
 * they did before, in order; a reload while events are held loses nothing.
 */
import { expect, it } from 'vitest';
import { describeEvents, names, sleep, type StoredEvent } from '../site';
import { describeInEngine, useEngine, type Tab } from '../engines/engine';
import { libraryLoaded, openWithLibrary, stats } from './helpers';

const PHONE_E164 = '+14155550134';

/** Fills and submits the lead form; resolves once the thank-you page has loaded. */
async function submitLeadForm(tab: Tab) {
  await tab.fill('#name', 'Jane Doe');
  await tab.fill('#phone', '(415) 555-0134');
  await tab.fill('#email', 'Jane.Doe@Example.com');
  await tab.check('#sms-consent');
  await tab.clickToNavigate('#lead button[type=submit]', '/thanks.html');
}

const heldAtLeast = (tab: Tab, count: number) => tab.waitFor((n: number) => (window as any).regal.stats().held >= n, count);
const pageViews = (events: StoredEvent[], path: string) => events.filter((e) => e.name === 'Page Viewed' && (e.properties as { path?: string }).path === path);

describeInEngine('landing page: holding and release', () => {
  const h = useEngine();

  it('holds an anonymous visitor’s page view and click; the lead form releases them in order, stamped, with the opt-in', async () => {
    const visitor = await h.visitor();
    const { tab } = visitor;
    await openWithLibrary(tab, '/');
    await tab.click('#cta');
    await heldAtLeast(tab, 2);
    await sleep(1000); // well past the flush interval
    expect(await h.events()).toEqual([]);
    expect(await stats(tab)).toMatchObject({ held: 2, queued: 0, storage: 'indexeddb' });

    const before = new Date().toISOString();
    await submitLeadForm(tab);
    const after = new Date().toISOString();
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted') && pageViews(e, '/thanks.html').length > 0);
    const order = names(events);
    expect(order.indexOf('Page Viewed'), describeEvents(events)).toBe(0);
    expect(order.indexOf('CTA Clicked')).toBeGreaterThan(0);
    expect(order.indexOf('Lead Form Submitted')).toBeGreaterThan(order.indexOf('CTA Clicked'));
    expect(order.filter((n) => n === 'CTA Clicked')).toHaveLength(1);
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber, describeEvents(events)).toBe(PHONE_E164);
    const [contact] = await h.contacts();
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual([PHONE_E164]);
    const optIn = contact.phones[0].smsOptIn as { subscribed: boolean; timestamp: string; text: string };
    expect(optIn).toMatchObject({ subscribed: true });
    expect(optIn.text.startsWith('I agree to receive marketing text messages from Sunbeam Solar'), optIn.text).toBe(true);
    expect(optIn.timestamp >= before && optIn.timestamp <= after, optIn.timestamp).toBe(true);
    expect(contact.phones[0].voiceOptIn).toBeUndefined();
    // Stamped once, when given.
    expect(events.filter((e) => e.traits.phones?.some((p) => p.smsOptIn))).toHaveLength(1);
    expect(visitor.problems).toEqual([]);
  });

  it('a reload while events are held loses nothing: they survive and arrive after the form, in the order they happened', async () => {
    const visitor = await h.visitor();
    const { tab } = visitor;
    await openWithLibrary(tab, '/');
    await tab.click('#cta');
    await heldAtLeast(tab, 2);
    await tab.reload();
    await libraryLoaded(tab);
    await heldAtLeast(tab, 3);
    expect(await h.events()).toEqual([]);
    await submitLeadForm(tab);
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    expect(pageViews(events, '/'), describeEvents(events)).toHaveLength(2);
    const [firstView, secondView] = pageViews(events, '/');
    const click = events.find((e) => e.name === 'CTA Clicked')!;
    expect(firstView.seq < click.seq && click.seq < secondView.seq, describeEvents(events)).toBe(true);
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber).toBe(PHONE_E164);
    expect(visitor.problems).toEqual([]);
  });
});
