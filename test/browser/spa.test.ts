/**
 * The demo single-page app (`/app`, the ESM build): client-side route changes send page
 * views; log in identifies; log out resets, so what follows belongs to a new anonymous
 * visitor and is never sent under the previous person's identity.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeEvents, describeInBrowser, names, sleep, useHarness, stats, type StoredEvent, type Visitor } from './harness';

const user = (page: Page) => page.evaluate(() => (window as any).regal.user() as { anonymousId: string; userId: string | null });
const path = (e: StoredEvent) => (e.properties as { path?: string }).path;

async function logIn(page: Page, email: string, phone: string) {
  await page.click('nav a[href="/app/account"]');
  await page.fill('#login-email', email);
  await page.fill('#login-phone', phone);
  await page.click('#login button[type=submit]');
  await page.waitForURL((url) => url.pathname === '/app');
}

describeInBrowser('single-page app', () => {
  const h = useHarness();
  let visitor: Visitor | undefined;

  it('sends a page view per client-side route, with that route’s path and title', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(`${h.url}/app`);
    await page.waitForFunction(() => (window as any).regal);
    await logIn(page, 'ana@example.com', '(415) 555-0101');
    await page.click('nav a[href="/app/plans"]');
    await page.click('#interest');
    await page.goBack(); // popstate: back on the dashboard
    await page.waitForURL((url) => url.pathname === '/app');

    const events = await h.waitForEvents((e) => e.filter((x) => x.name === 'Page Viewed').length >= 5);
    const views = events.filter((e) => e.name === 'Page Viewed');
    expect(views.map(path), describeEvents(events)).toEqual(['/app', '/app/account', '/app', '/app/plans', '/app']);
    expect(views.map((e) => (e.properties as { title?: string }).title)).toEqual([
      'Dashboard | Sunbeam Solar app',
      'Account | Sunbeam Solar app',
      'Dashboard | Sunbeam Solar app',
      'Plans | Sunbeam Solar app',
      'Dashboard | Sunbeam Solar app',
    ]);
    expect(names(events)).toContain('Upgrade Interest');
    for (const event of events) {
      expect(event.eventSource).toBe('Web App');
      expect(event.traits.phones?.[0]?.phoneNumber).toBe('+14155550101');
    }
    expect(visitor.problems).toEqual([]);
  });

  it('log out resets: next events carry a new anonymous id, are held, and never get the previous person’s identity', async () => {
    visitor = await h.visitor();
    const { page } = visitor;
    await page.goto(`${h.url}/app`);
    await page.waitForFunction(() => (window as any).regal);
    await logIn(page, 'ana@example.com', '(415) 555-0101');
    const before = await user(page);
    expect(before.userId).toBe('user-ana@example.com');
    await h.waitForEvents((e) => e.some((x) => x.name === 'Logged In'));

    await page.click('nav a[href="/app/account"]');
    await page.click('#logout');
    await page.waitForURL((url) => url.pathname === '/app');
    const after = await user(page);
    expect(after.userId).toBeNull();
    expect(after.anonymousId).not.toBe(before.anonymousId);
    await page.click('nav a[href="/app/plans"]');
    await page.click('#interest');
    await h.waitForEvents((e) => e.some((x) => x.name === 'Logged Out')); // still Ana's
    await sleep(1000); // well past the flush interval: anything sendable has been sent
    const sentBeforeSecondLogin = await h.events();
    const loggedOut = sentBeforeSecondLogin.find((e) => e.name === 'Logged Out')!;
    // The dashboard and plans views and the click came after reset(): anonymous, so held.
    const leaked = sentBeforeSecondLogin.filter((e) => e.seq > loggedOut.seq);
    expect(leaked, `sent after logout:\n${describeEvents(leaked)}`).toEqual([]);
    expect((await stats(page)).held).toBe(3);
    const lastAnaSeq = loggedOut.seq;

    // Someone else logs in on the same browser: the held events become theirs.
    await logIn(page, 'bo@example.com', '(415) 555-0202');
    const events = await h.waitForEvents((e) => e.some((x) => x.name === 'Logged In' && x.userId === 'user-bo@example.com') && e.some((x) => x.name === 'Upgrade Interest'));
    const afterLogout = events.filter((e) => e.seq > lastAnaSeq);
    expect(names(afterLogout), describeEvents(events)).toEqual(expect.arrayContaining(['Page Viewed', 'Upgrade Interest', 'Logged In']));
    for (const event of afterLogout) {
      expect(event.userId, describeEvents(afterLogout)).toBe('user-bo@example.com');
      expect(event.traits.phones?.[0]?.phoneNumber).toBe('+14155550202');
      expect(JSON.stringify(event)).not.toContain('ana@example.com');
      expect(JSON.stringify(event)).not.toContain('+14155550101');
    }
    const contacts = await h.contacts();
    expect(contacts.map((c) => c.phones[0].phoneNumber).sort()).toEqual(['+14155550101', '+14155550202']);
    expect(visitor.problems).toEqual([]);
  });
});
