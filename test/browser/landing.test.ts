/**
 * The demo landing page (`/`, script tag + snippet, relay mode), as a visitor uses it:
 * anonymous browsing sends nothing; the lead form makes the visitor a contact, with the
 * consent they gave, and releases what they did before, in order; a reload loses nothing.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  describeEvents,
  describeInBrowser,
  heldAtLeast,
  libraryLoaded,
  names,
  sleep,
  useHarness,
  stats,
  type StoredEvent,
  type Visitor,
} from './harness';

const PHONE_TYPED = '(415) 555-0134';
const PHONE_E164 = '+14155550134';

/** Fills and submits the lead form; resolves once the thank-you page has loaded. */
async function submitLeadForm(page: Page, consent = { sms: true, voice: true }) {
  await page.fill('#name', 'Jane Doe');
  await page.fill('#phone', PHONE_TYPED);
  await page.fill('#email', 'Jane.Doe@Example.com');
  if (consent.sms) await page.check('#sms-consent');
  if (consent.voice) await page.check('#voice-consent');
  await Promise.all([page.waitForURL('**/thanks.html*'), page.click('#lead button[type=submit]')]);
}

const pageViews = (events: StoredEvent[], path: string) =>
  events.filter((e) => e.name === 'Page Viewed' && (e.properties as { path?: string }).path === path);

describeInBrowser('landing page', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('sends nothing while the visitor is anonymous: their page view and click are held', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const posts: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/regal') posts.push(request.method());
    });
    await page.goto(`${h.url}/`);
    await libraryLoaded(page);
    await page.click('#cta');
    await heldAtLeast(page, 2);
    await sleep(1000); // well past the 250 ms flush interval
    expect(posts).toEqual([]);
    expect(await h.events()).toEqual([]);
    expect(await stats(page)).toMatchObject({ held: 2, queued: 0, delivered: 0, storage: 'indexeddb' });
    expect(visitor.problems).toEqual([]);
  });

  it('the lead form makes a contact with an E.164 phone and both opt-ins, and releases the earlier page view and click in order', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(`${h.url}/`);
    await libraryLoaded(page);
    await page.click('#cta');
    await heldAtLeast(page, 2);
    const submittedAfter = new Date().toISOString();
    await submitLeadForm(page);
    const submittedBefore = new Date().toISOString();

    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted') && pageViews(e, '/thanks.html').length > 0);
    const order = names(events);
    expect(order.indexOf('Page Viewed'), describeEvents(events)).toBe(0);
    expect(order.indexOf('CTA Clicked')).toBeGreaterThan(0);
    expect(order.indexOf('Lead Form Submitted')).toBeGreaterThan(order.indexOf('CTA Clicked'));
    expect(pageViews(events, '/')).toHaveLength(1);
    expect(order.filter((n) => n === 'CTA Clicked')).toHaveLength(1);
    expect(events.find((e) => e.name === 'CTA Clicked')!.properties).toMatchObject({ label: 'Get my free quote' });
    // Every event, the held ones included, is stamped with the phone the form gave.
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber, describeEvents(events)).toBe(PHONE_E164);
    expect(new Set(events.map((e) => e.contactId)).size).toBe(1);

    const contacts = await h.contacts();
    expect(contacts).toHaveLength(1);
    const [contact] = contacts;
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual([PHONE_E164]);
    // The domain lower-cased; the local part kept as typed (it may be case-sensitive).
    expect(contact.emails.map((e) => e.emailAddress)).toEqual(['Jane.Doe@example.com']);
    expect(contact.traits).toMatchObject({ firstName: 'Jane', lastName: 'Doe' });
    const phone = contact.phones[0];
    for (const [key, wording] of [
      ['smsOptIn', 'I agree to receive marketing text messages from Sunbeam Solar'],
      ['voiceOptIn', 'I agree to receive marketing calls from Sunbeam Solar'],
    ] as const) {
      const optIn = phone[key] as { subscribed: boolean; timestamp: string; source: string; text: string };
      // The source is the page the consent was given on (scrolled to #quote by the CTA).
      expect(optIn, key).toMatchObject({ subscribed: true, source: `${h.url}/#quote` });
      expect(optIn.text.startsWith(wording), optIn.text).toBe(true);
      expect(optIn.timestamp >= submittedAfter && optIn.timestamp <= submittedBefore, optIn.timestamp).toBe(true);
    }
    // Stamped once, when given: later events (the thank-you page view) do not assert it again.
    const carryingConsent = events.filter((e) => e.traits.phones?.some((p) => p.smsOptIn));
    expect(carryingConsent, describeEvents(carryingConsent)).toHaveLength(1);
    expect(visitor.problems).toEqual([]);
  });

  it('a reload while events are held loses nothing: they survive and arrive after the form', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(`${h.url}/`);
    await libraryLoaded(page);
    await page.click('#cta');
    await heldAtLeast(page, 2);
    await page.reload();
    await libraryLoaded(page);
    await heldAtLeast(page, 3); // the first page view and click, and the second page view
    expect(await h.events()).toEqual([]);
    await submitLeadForm(page, { sms: true, voice: false });

    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    expect(pageViews(events, '/'), describeEvents(events)).toHaveLength(2);
    expect(names(events).filter((n) => n === 'CTA Clicked')).toHaveLength(1);
    // In the order they happened: first view, click, (reload) second view.
    const [firstView, secondView] = pageViews(events, '/');
    const click = events.find((e) => e.name === 'CTA Clicked')!;
    expect(firstView.seq < click.seq && click.seq < secondView.seq, describeEvents(events)).toBe(true);
    for (const event of events) expect(event.traits.phones?.[0]?.phoneNumber).toBe(PHONE_E164);
    const [contact] = await h.contacts();
    expect(contact.phones[0].smsOptIn).toMatchObject({ subscribed: true });
    expect(contact.phones[0].voiceOptIn).toBeUndefined();
    expect(visitor.problems).toEqual([]);
  });
});
