/**
 * The evidence a lead carries, end to end in Chromium: a lead form whose TrustedForm field
 * appears 500 ms after load and whose LeadiD field is in the markup (fixture
 * demo/public/test/forms-certified.html), submitted, the page navigating away. The identify
 * at the reference server carries both tokens and each checked opt-in with all its fields,
 * and every payload is valid against the wire schema.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CustomEventSchema } from '../../src/wire/schema';
import { describeEvents, describeInBrowser, names, sleep, useHarness, type StoredEvent } from './harness';

function errorChannel(page: Page) {
  const errors: Array<{ code: string; message: string; value?: unknown }> = [];
  page.on('console', (m) => {
    if (m.type() === 'info' && m.text().startsWith('regal-error ')) errors.push(JSON.parse(m.text().slice('regal-error '.length)));
  });
  return errors;
}

async function settled(h: ReturnType<typeof useHarness>, quietMs = 1000): Promise<StoredEvent[]> {
  let last = -1;
  for (;;) {
    const events = await h.events();
    if (events.length === last) return events;
    last = events.length;
    await sleep(quietMs);
  }
}

describeInBrowser('lead evidence', () => {
  const h = useHarness();

  it('the identify of a submit that navigates away carries both certificate tokens and a full record of each checked opt-in', async () => {
    const { page, problems } = await h.visitor();
    const errors = errorChannel(page);
    const source = `${h.url}/test/forms-certified.html`;
    await page.goto(source);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    await page.fill('#name', 'Jane Doe');
    await page.fill('#phone', '(415) 555-0134');
    await page.fill('#email', 'jane@example.com');
    await page.check('#sms-consent');
    await page.check('#voice-consent');
    // The certificate field arrives 500 ms after load, as TrustedForm's script adds it.
    await page.waitForSelector('#xxTrustedFormCertUrl_0', { state: 'attached' });
    const before = new Date().toISOString();
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#submit')]);
    const after = new Date().toISOString();

    await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    const events = await settled(h);
    expect(names(events), describeEvents(events)).toEqual(['(identify)', 'Lead Form Submitted']);
    for (const event of events) expect(CustomEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);

    const identify = events[0];
    expect(identify.traits).toMatchObject({
      firstName: 'Jane',
      lastName: 'Doe',
      trustedFormCertUrl: 'https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567',
      jornayaLeadId: '7D1C2E3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F',
    });
    const [phone] = identify.traits.phones!;
    expect(phone.phoneNumber).toBe('+14155550134');
    const wording = {
      smsOptIn: 'I agree to receive marketing text messages from Fixture Co at the number above. Msg & data rates may apply.',
      voiceOptIn: 'I agree to receive marketing calls from Fixture Co.',
    };
    for (const [key, text] of Object.entries(wording)) {
      const record = (phone as Record<string, any>)[key];
      expect(Object.keys(record).sort(), key).toEqual(['ip', 'source', 'subscribed', 'text', 'timestamp', 'userAgent']);
      expect(record).toMatchObject({ subscribed: true, source, text, userAgent, ip: '127.0.0.1' });
      expect(record.timestamp, key).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(record.timestamp >= before && record.timestamp <= after, `${record.timestamp} within [${before}, ${after}]`).toBe(true);
    }
    // The unchecked email box recorded nothing; the event after the identify repeats no consent.
    expect(identify.traits.emails).toEqual([{ emailAddress: 'jane@example.com', isPrimary: true }]);
    expect(JSON.stringify(events[1])).not.toContain('OptIn');
    // The contact Regal holds has them too.
    const [contact] = await h.contacts();
    expect(contact.phones[0].smsOptIn).toMatchObject({ subscribed: true, text: wording.smsOptIn, userAgent });
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("a submit before TrustedForm's script has added its field: the lead goes with the LeadiD token and no certificate", async () => {
    const { context, page, problems } = await h.visitor();
    const errors = errorChannel(page);
    // TrustedForm's script is slow today: its field comes a minute after load.
    await context.route('**/test/forms-certified.html', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: (await response.text()).replace('}, 500);', '}, 60000);') });
    });
    await page.goto(`${h.url}/test/forms-certified.html`);
    await page.fill('#name', 'Jane Doe');
    await page.fill('#phone', '(415) 555-0134');
    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#submit')]);
    await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    const [identify] = await settled(h);
    expect(identify.traits.jornayaLeadId).toBe('7D1C2E3F-4A5B-4C6D-8E9F-0A1B2C3D4E5F');
    expect(identify.traits).not.toHaveProperty('trustedFormCertUrl');
    expect(errors).toEqual([]); // no field yet: the page does not (yet) use TrustedForm, nothing to report
    expect(problems).toEqual([]);
  });

  it("the relay's phone check: a number Regal cannot dial is delivered and reported on the error channel for its identify", async () => {
    const { context, page, problems } = await h.visitor();
    const errors = errorChannel(page);
    // The site's own endpoint, which the form posts to with fetch (the page stays, so the
    // relay's answer is read).
    await context.route('**/test/api/callback', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"ok":true}' }));
    await page.goto(`${h.url}/test/forms-script.html`);
    await page.fill('#callback-name', 'Ana Ruiz');
    // 555 is no area code: the browser's shallow check lets it through, the relay's does not.
    await page.fill('#callback-phone', '(555) 123-4567');
    await page.click('#callback-send');
    await page.waitForFunction(() => document.getElementById('callback-status')!.textContent === 'sent');
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Callback Requested'));
    expect(events[0].traits.phones?.[0].phoneNumber).toBe('+15551234567'); // forwarded as before
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(errors).toEqual([{ code: 'undialable_phone', message: expect.stringMatching(/^Regal cannot dial the phone of event [\w-]+: not assigned/), value: '+15551234567' }]);
    // The reference server's inspector shows it on the identify.
    expect(events[0].warnings).toEqual([expect.stringMatching(/^undialable_phone: \+15551234567: /)]);
    // One report, for the identify that gave the number (the event after it only repeats it).
    await sleep(300);
    expect(errors).toHaveLength(1);
    expect(problems).toEqual([]);
  });
});
