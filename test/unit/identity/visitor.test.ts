// Who the visitor is: the same one across reloads and tabs, a new one after reset().
import { describe, expect, it } from 'vitest';
import { clientsPerTest, fakeRelay, tick } from '../helpers';

const make = clientsPerTest();

describe('one visitor across reloads and tabs', () => {
  it('is the same visitor after a reload, and held events keep their order across it', async () => {
    const relay = fakeRelay();
    const first = make();
    first.track('one');
    first.track('two');
    await first.track('three');
    const anonymousId = first.user().anonymousId;
    first.destroy();

    const second = make();
    await second.ready();
    expect(second.user().anonymousId).toBe(anonymousId);
    await second.identify('user-7', { phone: '+442079460958' });
    await second.flush();
    const names = relay.events().map((e) => e.name ?? 'identify');
    expect(names).toEqual(['one', 'two', 'three', 'identify']);
    expect(relay.events().every((e) => e.userId == 'user-7')).toBe(true);
  });

  it('a tab that was open before another tab identified the visitor sends what it tracks next', async () => {
    const relay = fakeRelay();
    // Opened at the same moment: one visitor, not two.
    const tab1 = make({ flushIntervalMs: 10 });
    const tab2 = make({ flushIntervalMs: 10 });
    await Promise.all([tab1.ready(), tab2.ready()]);
    expect(tab2.user().anonymousId).toBe(tab1.user().anonymousId);
    await tab1.identify({ phone: '+15551234567' });
    await tab2.track('In the other tab');
    const deadline = Date.now() + 3000;
    while (!relay.events().some((e) => e.name == 'In the other tab') && Date.now() < deadline) await tick(20);
    const event = relay.events().find((e) => e.name == 'In the other tab');
    expect(event?.traits.phones[0].phoneNumber).toBe('+15551234567');
  });
});

describe('a new visitor after reset()', () => {
  it('a call right after reset() belongs to the next visitor, also before storage loaded', async () => {
    const relay = fakeRelay();
    const regal = make();
    await regal.identify('old-user', { phone: '+14155550100' });
    const oldAnon = regal.user().anonymousId;
    regal.reset();
    regal.page();
    await regal.flush();
    expect(regal.user()).toMatchObject({ userId: null });
    expect(regal.user().anonymousId).not.toBe(oldAnon);
    expect(regal.stats().held).toBe(1);
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['identify']);

    const fresh = make({ storageName: 'other' });
    fresh.identify('u', { email: 'a@b.co' });
    fresh.reset();
    fresh.track('after reset');
    await fresh.flush();
    expect(fresh.stats()).toMatchObject({ held: 1 });
  });
});
