/**
 * Lead forms as nine form builders render them (test/fixtures/form-builders/), in Chromium
 * against the relay and the reference server. Each page is the script tag, the builder's
 * markup unchanged, and one `regal.trackForm(selector, {consent})` call made before the
 * form exists (HubSpot's form is rendered by its script after load). The builder's own
 * submit handling is stood in for by a handler that cancels the navigation, as their
 * scripts do when they post with XHR.
 */
import { expect, it } from 'vitest';
import { CustomEventSchema } from '../../src/wire/schema';
import { BUILDERS, expectedContact, fixture, type BuilderCase } from '../fixtures/form-builders/builders';
import { describeEvents, describeInBrowser, names, sleep, useHarness } from './harness';

/** The page a site owner would publish: the script tag, the binding, the builder's form. */
function page(c: BuilderCase): string {
  const options = JSON.stringify({ event: 'Lead Form Submitted', consent: c.consent });
  const markup = fixture(c.file);
  // A late form is written into the page by "the builder's script" 300 ms after load.
  const form = c.late
    ? `<div id="embed"></div><script>setTimeout(function () { document.getElementById('embed').innerHTML = ${JSON.stringify(markup)}; }, 300);</script>`
    : markup;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${c.builder}</title><link rel="icon" href="data:,">
<script src="/regal.min.js" data-endpoint="/regal"></script>
<script>
  regal.on('error', function (e) { console.info('regal-error ' + JSON.stringify({ code: e.code, message: e.message, value: e.value })); });
  regal.trackForm(${JSON.stringify(c.form)}, ${options});
  document.addEventListener('submit', function (e) { e.preventDefault(); document.title = 'sent'; });
</script></head><body>${form}</body></html>`;
}

describeInBrowser('form builders', () => {
  const h = useHarness();

  it.each(BUILDERS)('$builder: the lead, its consent records and its wording reach Regal', async (c) => {
    const url = h.serve(c.file, { body: page(c) });
    const { page: tab, problems } = await h.visitor();
    const errors: unknown[] = [];
    tab.on('console', (m) => m.type() === 'info' && m.text().startsWith('regal-error ') && errors.push(m.text()));
    await tab.goto(url);
    await tab.waitForSelector(c.form, { state: 'attached' });
    const userAgent = await tab.evaluate(() => navigator.userAgent);
    // Typed in as a visitor would; boxes hidden by the builder's styling (Jotform's date
    // parts, Mailchimp's invisible country select) are set as its own script sets them.
    for (const [selector, value] of Object.entries(c.fill)) {
      const visible = await tab.isVisible(selector);
      const tag = await tab.$eval(selector, (el) => el.tagName);
      if (tag === 'SELECT') await tab.selectOption(selector, value, { force: true });
      else if (visible) await tab.fill(selector, value);
      else await tab.$eval(selector, (el, v) => ((el as HTMLInputElement).value = v), value);
    }
    for (const selector of c.check) await tab.check(selector, { force: true });
    await tab.$eval(c.form, (form) => (form as HTMLFormElement).requestSubmit());
    await tab.waitForFunction(() => document.title === 'sent');

    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    await sleep(300);
    const all = await h.events();
    expect(names(all), describeEvents(all)).toEqual(['(identify)', 'Lead Form Submitted']);
    for (const event of all) expect(CustomEventSchema.safeParse(event).success).toBe(true);
    const traits = events[0].traits as Record<string, any>;
    const contact = expectedContact(c) as Record<string, any>;
    // Opt-ins checked below, field by field.
    const strip = (list: Array<Record<string, unknown>> | undefined) => list?.map(({ phoneNumber, emailAddress, isPrimary }) => (phoneNumber ? { phoneNumber, isPrimary } : { emailAddress, isPrimary }));
    // The contact fields (the client adds attribution traits of its own beside them).
    const { firstName, lastName, phones, emails, address } = traits;
    expect(JSON.parse(JSON.stringify({ firstName, lastName, phones: strip(phones), emails: strip(emails), address }))).toEqual(contact);
    const record = (text: string) => ({ subscribed: true, text, source: url, userAgent, ip: '127.0.0.1', timestamp: expect.stringMatching(/\.\d{3}Z$/) });
    for (const [channel, text] of Object.entries(c.expected.phoneOptIns ?? {})) expect(traits.phones[0][channel + 'OptIn'], channel).toEqual(record(text));
    for (const [channel, text] of Object.entries(c.expected.emailOptIns ?? {})) expect(traits.emails[0][channel + 'OptIn'], channel).toEqual(record(text));
    const optIns = (list: Array<Record<string, unknown>> = []) => list.flatMap((x) => Object.keys(x).filter((k) => k.endsWith('OptIn')));
    // No opt-in beyond the boxes ticked.
    expect(optIns(traits.phones).length + optIns(traits.emails).length).toBe(Object.keys(c.expected.phoneOptIns ?? {}).length + Object.keys(c.expected.emailOptIns ?? {}).length);
    expect(errors).toEqual([]);
    // Chromium logs Elementor's own tel pattern as invalid under the `v` flag it compiles
    // patterns with: the builder's markup, not the library.
    expect(problems.filter((p) => !/Pattern attribute value .* is not a valid regular expression/.test(p))).toEqual([]);
  });
});
