// optOut() / optIn(), the optedOut option and the browser's privacy signals: nothing of an
// opted-out visitor is sent or kept, in this tab or another.
import { describe, expect, it, vi } from 'vitest';
import { clientsPerTest, eventName, fakeRelay, hidePage, tick, within } from '../helpers';

const make = clientsPerTest();

describe('opting out and in', () => {
  it('optOut drops what is stored and stops tracking; optIn resumes', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('before');
    regal.optOut();
    await regal.track('while out');
    regal.optIn();
    await regal.track('after');
    await regal.flush();
    expect(relay.events().map((e) => e.name)).toEqual(['after']);
    expect(regal.stats().dropped['opted-out']).toBe(2);
  });

  it('.delivered resolves false for an event dropped because the visitor opted out', async () => {
    fakeRelay();
    const regal = make();
    await regal.ready();
    regal.optOut();
    const result = regal.track('X');
    expect(await within(result.delivered, 100)).toBe(false);
    expect(regal.stats().dropped['opted-out']).toBe(1);
  });

  it('identify() while opted out keeps no PII of the visitor', async () => {
    fakeRelay();
    const regal = make();
    await regal.ready();
    regal.optOut();
    await regal.identify({ phone: '+14155550100', email: 'jane@example.com' });
    expect(regal.user().traits).toEqual({});
  });

  it('an opted-out visitor is not tracked even in the moments before storage loads', async () => {
    const relay = fakeRelay();
    const first = make({ holdUntilContactable: false });
    first.optOut();
    await first.ready();
    first.destroy();
    const beacons: string[] = [];
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: (_u: string, b: string) => (beacons.push(b), true) });
    const second = make({ holdUntilContactable: false });
    second.track('Should not be sent');
    hidePage();
    await second.flush();
    expect(beacons).toEqual([]);
    expect(relay.sent).toHaveLength(0);
    second.optIn();
  });

  it('respects Global Privacy Control and Do Not Track when asked, and remembers an explicit choice', async () => {
    const relay = fakeRelay();
    vi.stubGlobal('navigator', { globalPrivacyControl: true, doNotTrack: '1', onLine: true });
    const gpc = make({ respectGlobalPrivacyControl: true, holdUntilContactable: false, storageName: 'gpc' });
    const dnt = make({ respectDoNotTrack: true, holdUntilContactable: false, storageName: 'dnt' });
    const neither = make({ holdUntilContactable: false, storageName: 'neither' });
    await Promise.all([gpc.track('a'), dnt.track('b'), neither.track('c')]);
    await Promise.all([gpc.flush(), dnt.flush(), neither.flush()]);
    expect(relay.events().map((e) => e.name)).toEqual(['c']);
    expect(gpc.stats().dropped['opted-out']).toBe(1);
    gpc.optIn();
    gpc.destroy();
    // The visitor's explicit choice outlives the browser signal on the next visit.
    const again = make({ respectGlobalPrivacyControl: true, holdUntilContactable: false, storageName: 'gpc' });
    await again.track('after consent');
    await again.flush();
    expect(relay.events().map((e) => e.name)).toContain('after consent');
  });
});

describe("optedOutStorage: 'memory' (calls kept until consent)", () => {
  it('starts opted out when asked, and keeps events in memory until optIn() with optedOutStorage: memory', async () => {
    const relay = fakeRelay();
    const regal = make({ optedOut: true, optedOutStorage: 'memory', holdUntilContactable: false });
    await regal.track('before consent');
    await regal.flush();
    expect(relay.sent).toHaveLength(0);
    expect(regal.stats().queued).toBe(0);
    regal.optIn();
    await regal.flush();
    expect(relay.events().map((e) => e.name)).toEqual(['before consent']);
  });

  it('events buffered while opted out (memory) are not stamped with the next visitor\'s phone after reset()', async () => {
    const relay = fakeRelay();
    const regal = make({ optedOut: true, optedOutStorage: 'memory' });
    await regal.track('First visitor browsed');
    await regal.reset();
    regal.optIn();
    await regal.identify({ phone: '+14155550100' });
    await tick(20);
    await regal.flush();
    await tick(20);
    await regal.flush();
    expect(relay.events().map(eventName)).not.toContain('First visitor browsed');
    expect(regal.stats().dropped.reset).toBe(1);
  });
});

describe('opt-out across tabs', () => {
  it('an optOut() in another tab stops this tab tracking', async () => {
    const relay = fakeRelay();
    const a = make({ storageName: 'shared' });
    const b = make({ storageName: 'shared' });
    await a.identify({ phone: '+14155550100' });
    await b.ready();
    a.optOut();
    await tick(20);
    await b.flush();
    await b.track('After opt-out elsewhere');
    await b.flush();
    expect(relay.events().map(eventName)).not.toContain('After opt-out elsewhere');
  });

  it("optedOutStorage 'memory': a call kept while opted out is sent once the visitor opts in in another tab", async () => {
    const relay = fakeRelay();
    const opts = { holdUntilContactable: false, optedOut: true, optedOutStorage: 'memory' as const, flushIntervalMs: 1e9 };
    const here = make(opts);
    const there = make(opts);
    await Promise.all([here.ready(), there.ready()]);
    await tick(50);
    const result = here.track('Kept in memory');
    await result;
    there.optIn();
    await tick(50);
    await here.flush(); // adopts the opt-in of the other tab
    here.track('After the opt-in');
    await here.flush();
    const names = relay.events().map((e) => e.name);
    expect(names).toContain('After the opt-in'); // this tab did adopt the opt-in
    expect(names).toContain('Kept in memory');
    expect(await within(result.delivered)).toBe(true);
  });
});
