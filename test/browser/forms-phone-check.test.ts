/**
 * `trackForm(form, { phoneCheck: true, validity: true })` in Chromium, against the relay
 * mounted on the reference server (fixture demo/public/test/forms-phone-check.html): a
 * typo'd number is reported to the page when the visitor leaves the field, fixing it
 * clears the report, and with the relay's phone check down or hanging the submit goes
 * through unchanged.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInBrowser, isBlockedRequestLog, sleep, useHarness } from './harness';

const hint = (page: Page) => page.textContent('#phone-hint');
const customError = (page: Page) => page.$eval('#phone', (el) => (el as HTMLInputElement).validity.customError);

describeInBrowser('phone check', () => {
  const h = useHarness();

  it("a typo'd number: the page is told when the visitor leaves the field; fixed: cleared, and the lead goes with the fixed number", async () => {
    const { page, problems } = await h.visitor();
    const checks: string[] = [];
    page.on('request', (r) => r.url().endsWith('/regal/phone-check') && checks.push(r.postData() ?? ''));
    await page.goto(`${h.url}/test/forms-phone-check.html`);
    await page.fill('#name', 'Jane Doe');
    // 555 is no area code: the browser's shallow check passes it, the relay's numbering
    // plan does not. Tab leaves the field (its change event).
    await page.fill('#phone', '(555) 946-0958');
    await page.press('#phone', 'Tab');
    await page.waitForFunction(() => document.getElementById('phone-hint')!.textContent !== '');
    expect(await hint(page)).toBe('We cannot call +15559460958: please check the number.');
    expect(await customError(page)).toBe(true);
    expect(checks).toEqual(['{"phone":"+15559460958"}']);

    await page.fill('#phone', '(415) 946-0958');
    await page.press('#phone', 'Tab');
    await page.waitForFunction(() => document.getElementById('phone-hint')!.dataset.checked === '+14159460958');
    expect(await hint(page)).toBe('');
    expect(await customError(page)).toBe(false);

    await Promise.all([page.waitForURL('**/test/thanks.html*'), page.click('#submit')]);
    const [identify] = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
    expect(identify.traits.phones).toEqual([{ phoneNumber: '+14159460958', isPrimary: true }]);
    expect(problems).toEqual([]);
  });

  it('the phone check down or hanging: nothing is shown, and the submit goes through unchanged', async () => {
    for (const [how, route] of [
      ['down', (r: { abort(): Promise<void> }) => r.abort()],
      ['hanging', () => new Promise<void>(() => {})],
    ] as const) {
      await h.reset();
      const { context, page, problems } = await h.visitor();
      await context.route('**/regal/phone-check', route as never);
      await page.goto(`${h.url}/test/forms-phone-check.html`);
      await page.fill('#name', 'Jane Doe');
      await page.fill('#phone', '(555) 946-0958');
      await page.press('#phone', 'Tab');
      await sleep(300);
      expect(await hint(page), how).toBe('');
      expect(await customError(page), how).toBe(false);
      await Promise.all([page.waitForURL('**/test/thanks.html*', { timeout: 5_000 }), page.click('#submit')]);
      const [identify] = await h.waitForEvents((e) => e.some((x) => x.name === 'Lead Form Submitted'));
      expect(identify.traits.phones, how).toEqual([{ phoneNumber: '+15559460958', isPrimary: true }]);
      expect(problems.filter((p) => !isBlockedRequestLog(p, '/regal/phone-check')), how).toEqual([]);
    }
  });
});
