/**
 * Lead-form capture (src/forms.ts) in real Chromium, against the relay and the reference
 * server: a marked form makes the visitor a contact with an E.164 phone and the consent
 * they gave (stamped with time, page and wording), and tracks the form's event, whether
 * the form navigates, is submitted by script, or posts with fetch; an invalid phone sends
 * nothing and tells the site; a multi-step form tracks once, at the last step.
 *
 * The forms navigate to demo/public/test/thanks.html, which has no library: what the form
 * captured must leave its own page (keepalive or beacon), no later page load sends it.
 * Fixture pages: demo/public/test/forms-*.html, the smallest install (a script tag and
 * marked forms, no other call to the library before the submit).
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeEvents, describeInBrowser, names, sleep, useHarness, type Contact, type Harness, type StoredEvent, type Visitor } from './harness';

type OptIn = { subscribed: boolean; timestamp: string; source: string; text?: string };

/** What the fixture pages print from `regal.on('error')` (console.info survives a navigation). */
function errorChannel(page: Page) {
  const errors: Array<{ code: string; message: string; value?: unknown }> = [];
  page.on('console', (m) => {
    if (m.type() === 'info' && m.text().startsWith('regal-error ')) errors.push(JSON.parse(m.text().slice('regal-error '.length)));
  });
  return errors;
}

const named = (events: StoredEvent[], name: string) => events.filter((e) => e.name === name);
const mentions = (events: StoredEvent[], text: string) => events.filter((e) => JSON.stringify(e).includes(text));

/** Waits until nothing more arrives for a while, then returns what the server has. */
async function settled(h: Harness, quietMs = 1000): Promise<StoredEvent[]> {
  let last = -1;
  for (;;) {
    const events = await h.events();
    if (events.length === last) return events;
    last = events.length;
    await sleep(quietMs);
  }
}

function expectOptIn(optIn: unknown, source: string, wording: string, window: [string, string]) {
  const o = optIn as OptIn;
  expect(o, `opt-in stamped on ${source}`).toMatchObject({ subscribed: true, source });
  expect(o.text, 'consent wording').toBe(wording);
  expect(o.timestamp >= window[0] && o.timestamp <= window[1], `${o.timestamp} not within ${window}`).toBe(true);
}

describeInBrowser('lead-form capture', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('a declarative form that navigates: contact with E.164 phone, stamped opt-ins with their wording, and the event; nothing lost to the navigation', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    const source = `${h.url}/test/forms-lead.html`;
    await page.goto(source);
    await page.fill('#name', 'Jane Doe');
    await page.fill('#phone', '(415) 555-0134');
    await page.fill('#email', 'Jane.Doe@Example.com');
    await page.check('#sms-consent');
    await page.check('#voice-consent');
    const before = new Date().toISOString();
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#submit')]);
    const after = new Date().toISOString();

    await h.waitForEvents((e) => named(e, 'Lead Form Submitted').length > 0);
    const events = await settled(h);
    const by = h.relayRequests().map((r) => (r.mode === 'no-cors' ? 'beacon' : 'fetch'));
    console.log(`declarative form that navigates: ${JSON.stringify(names(events))} arrived; requests to /regal: ${JSON.stringify(by)}`);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', 'Lead Form Submitted']);
    const [event] = named(events, 'Lead Form Submitted');
    expect(event.properties).toMatchObject({ formId: 'lead', pagePath: '/test/forms-lead.html' });
    expect(event.traits.phones?.map((p) => p.phoneNumber)).toEqual(['+14155550134']);

    const contacts: Contact[] = await h.contacts();
    expect(contacts).toHaveLength(1);
    const [contact] = contacts;
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual(['+14155550134']);
    expect(contact.emails.map((e) => e.emailAddress)).toEqual(['Jane.Doe@example.com']);
    expect(contact.traits).toMatchObject({ firstName: 'Jane', lastName: 'Doe' });
    const window: [string, string] = [before, after];
    // The wrapping label's text, whitespace collapsed; and a label[for] one.
    expectOptIn(contact.phones[0].smsOptIn, source, 'I agree to receive marketing text messages from Fixture Co at the number above. Msg & data rates may apply.', window);
    expectOptIn(contact.phones[0].voiceOptIn, source, 'I agree to receive marketing calls from Fixture Co.', window);
    // Stamped once: only the identify carries it, not the event after it.
    expect(events.filter((e) => e.traits.phones?.some((p) => p.smsOptIn)).map((e) => e.name ?? '(identify)')).toEqual(['(identify)']);
    expect(errors).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });

  it('a submit while IndexedDB is still opening (a slow device: 1.5 s) is not lost to the navigation', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    // Every IndexedDB open answers 1.5 s late (well within the library's 5 s open timeout),
    // as on a busy phone. The request object is a stand-in that forwards the real one's
    // result and events once it exists.
    await page.addInitScript(() => {
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = function (this: IDBFactory, name: string, version?: number) {
        const late: Record<string, any> = { result: undefined, error: null, readyState: 'pending' };
        setTimeout(() => {
          const real = open.call(this, name, version);
          for (const type of ['upgradeneeded', 'success', 'error', 'blocked'])
            real.addEventListener(type, (e) => {
              late.result = real.readyState === 'done' && !real.error ? real.result : undefined;
              late.error = real.readyState === 'done' ? real.error : null;
              late['on' + type]?.(e);
            });
        }, 1500);
        return late as IDBOpenDBRequest;
      } as typeof open;
    });
    await page.goto(`${h.url}/test/forms-lead.html`);
    await page.fill('#name', 'Jane Doe');
    await page.fill('#phone', '(415) 555-0134');
    await page.check('#sms-consent');
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#submit')]);

    const events = await h.waitForEvents((e) => named(e, 'Lead Form Submitted').length > 0);
    expect(names(await settled(h)), describeEvents(events)).toEqual(['(identify)', 'Lead Form Submitted']);
    expect((await h.contacts())[0].phones[0]).toMatchObject({ phoneNumber: '+14155550134', smsOptIn: { subscribed: true } });
    expect(errors).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });

  it('a form submitted by script with requestSubmit() is captured the same way', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    const source = `${h.url}/test/forms-script.html`;
    await page.goto(source);
    await page.fill('#quote-first', 'Sam');
    await page.fill('#quote-phone', '415.555.0177');
    await page.check('#quote-sms');
    const before = new Date().toISOString();
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#quote-send')]);
    const after = new Date().toISOString();

    await h.waitForEvents((e) => named(e, 'Quote Requested').length > 0);
    const events = await settled(h);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', 'Quote Requested']);
    expect(named(events, 'Quote Requested')[0].properties).toMatchObject({ formId: 'quote', pagePath: '/test/forms-script.html' });
    const [contact] = await h.contacts();
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual(['+14155550177']);
    expect(contact.traits).toMatchObject({ firstName: 'Sam' });
    // data-regal-consent-text wins over the label.
    expectOptIn(contact.phones[0].smsOptIn, source, 'Texts from Fixture Co about my quote.', [before, after]);
    expect(errors).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });

  it('a form whose own handler calls preventDefault() and posts with fetch is captured, and the site’s post still goes', async () => {
    visitor = await h.visitor();
    const { context, page } = visitor;
    const errors = errorChannel(page);
    const sitePosts: unknown[] = [];
    await context.route('**/test/api/callback', (route) => {
      sitePosts.push(route.request().postDataJSON());
      return route.fulfill({ status: 200, contentType: 'application/json', body: '{"ok":true}' });
    });
    const source = `${h.url}/test/forms-script.html`;
    await page.goto(source);
    await page.fill('#callback-name', 'Ana Ruiz');
    await page.fill('#callback-phone', '+1 (628) 555-0105');
    await page.check('#callback-voice');
    const before = new Date().toISOString();
    await page.click('#callback-send');
    await page.waitForFunction(() => document.getElementById('callback-status')!.textContent === 'sent');
    const after = new Date().toISOString();

    await h.waitForEvents((e) => named(e, 'Callback Requested').length > 0);
    const events = await settled(h);
    expect(page.url()).toBe(source); // the page stayed
    expect(sitePosts).toEqual([{ name: 'Ana Ruiz', phone: '+1 (628) 555-0105', voice: 'on' }]);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', 'Callback Requested']);
    expect(named(events, 'Callback Requested')[0].properties).toMatchObject({ formId: 'callback', pagePath: '/test/forms-script.html' });
    const [contact] = await h.contacts();
    expect(contact.phones.map((p) => p.phoneNumber)).toEqual(['+16285550105']);
    expect(contact.traits).toMatchObject({ firstName: 'Ana', lastName: 'Ruiz' });
    expectOptIn(contact.phones[0].voiceOptIn, source, 'Call me back about my quote, Fixture Co.', [before, after]);
    expect(errors).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });

  it('an invalid phone ("123") on a declarative form: nothing is sent, the error channel is told, the form still navigates', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    await page.goto(`${h.url}/test/forms-invalid.html`);
    await page.fill('#plain-phone', '123');
    await page.check('#plain-sms');
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#plain-send')]);
    await sleep(1500); // anything sent would have arrived
    expect(await h.events()).toEqual([]);
    expect(await h.contacts()).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'invalid_phone', value: '123' });
    expect(errors[0].message).toContain('"Lead Form Submitted" not sent');
    expect(visitor.problems).toEqual([]);
  });

  it('an invalid phone on a form bound with onInvalid/validity/blockInvalid: the visitor is told, the submit stopped; the corrected form goes through', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    const source = `${h.url}/test/forms-invalid.html`;
    await page.goto(source);
    await page.fill('#guarded-phone', '123');
    await page.check('#guarded-sms');
    await page.click('#guarded-send');
    await sleep(1500);
    expect(page.url()).toBe(source); // blocked
    const seen = await page.evaluate(() => ({
      invalids: (window as any).invalids,
      validationMessage: (document.getElementById('guarded-phone') as HTMLInputElement).validationMessage,
      shown: document.getElementById('guarded-message')!.textContent,
    }));
    expect(seen).toEqual({
      invalids: [{ code: 'invalid_phone', message: 'Please enter a valid phone number.', field: 'guarded-phone' }],
      validationMessage: 'Please enter a valid phone number.',
      shown: 'Please enter a valid phone number.',
    });
    expect(errors.map((e) => [e.code, e.value])).toEqual([['invalid_phone', '123']]);
    expect(await h.events()).toEqual([]);
    expect(await h.contacts()).toEqual([]);

    // Corrected: typing clears the custom validity, the submit goes through.
    await page.fill('#guarded-phone', '(415) 555-0199');
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#guarded-send')]);
    await h.waitForEvents((e) => named(e, 'Guarded Lead').length > 0);
    const events = await settled(h);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', 'Guarded Lead']);
    expect(mentions(events, '"123"')).toEqual([]);
    const contacts = await h.contacts();
    expect(contacts.map((c) => c.phones.map((p) => p.phoneNumber))).toEqual([['+14155550199']]);
    expect(contacts[0].phones[0].smsOptIn).toMatchObject({ subscribed: true, source });
    expect(visitor.problems).toEqual([]);
  });

  it('a multi-step form: the step identifies without an event; the last submit tracks it once, with what every step gave', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    const errors = errorChannel(page);
    const source = `${h.url}/test/forms-steps.html`;
    await page.goto(source);
    await page.fill('#name', 'Lee Park');
    await page.fill('#phone', '415 555 0188');
    await page.click('#next');
    await page.waitForSelector('#email', { state: 'visible' });
    const afterStep = await h.waitForEvents((e) => e.length > 0);
    await sleep(500);
    expect(names(await h.events()), describeEvents(afterStep)).toEqual(['(identify)']);
    expect(afterStep[0].traits.phones?.map((p) => p.phoneNumber)).toEqual(['+14155550188']);

    await page.fill('#email', 'lee@example.com');
    await page.check('#email-consent');
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#finish')]);
    await h.waitForEvents((e) => named(e, 'Application Submitted').length > 0);
    const events = await settled(h);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', '(identify)', 'Application Submitted']);
    const contacts = await h.contacts();
    expect(contacts).toHaveLength(1);
    expect(contacts[0].phones.map((p) => p.phoneNumber)).toEqual(['+14155550188']);
    expect(contacts[0].emails.map((e) => e.emailAddress)).toEqual(['lee@example.com']);
    expect(contacts[0].emails[0].emailOptIn).toMatchObject({ subscribed: true, source, text: 'Emails from Fixture Co.' });
    expect(contacts[0].traits).toMatchObject({ firstName: 'Lee', lastName: 'Park' });
    expect(errors).toEqual([]);
    expect(visitor.problems).toEqual([]);
  });
});
