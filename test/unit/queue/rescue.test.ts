// The rescue copy: events whose IndexedDB write has not committed when the page hides are
// copied to localStorage, so the next page load sends them; a copy never outlives its events.
import { describe, expect, it, vi } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { clientsPerTest, fakeRelay, hidePage, leadThenHide, tick } from '../helpers';

const make = clientsPerTest();

describe('the rescue copy', () => {
  it('events only copied to localStorage by a page that went away are queued and sent by the next page load', async () => {
    // The page hides before the write of the lead has committed: it is copied aside.
    const { relay, first } = await leadThenHide(make);
    const copied = Object.keys(localStorage).filter((k) => k.includes(':rescue:'));
    expect(copied).toHaveLength(1);
    // As if IndexedDB had lost that write (fake-indexeddb commits it, and the client then
    // clears a copy that is no longer needed): the copy as the page left it.
    const rescued = JSON.parse(localStorage.getItem(copied[0])!);
    first.destroy();
    await new Promise((r) => setTimeout(r, 20));
    globalThis.indexedDB = new IDBFactory();
    localStorage.setItem(copied[0], JSON.stringify(rescued));
    const next = make();
    await next.flush();
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
    expect(Object.keys(localStorage).filter((k) => k.includes(':rescue:'))).toEqual([]);
  });

  it('a rescue copy whose events were delivered afterwards is not sent again by the next page load', async () => {
    // The page hides before the write of the lead has committed: it is copied aside.
    const { relay, first } = await leadThenHide(make);
    await first.flush(); // the write commits and the hidden tab delivers it
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
    expect(first.stats().queued).toBe(0);
    first.destroy(); // the tab is closed without becoming visible again
    const next = make(); // a later visit
    await next.flush();
    await tick(20);
    await next.flush();
    const leads = relay.events().filter((e) => e.name == 'Lead Form Submitted');
    if (leads.length == 2) expect(leads[1].messageId).toBe(leads[0].messageId); // the same event, resent
    // A copy left behind would queue the delivered lead again and send it a second time.
    expect(relay.events().filter((e) => e.name == 'Lead Form Submitted')).toHaveLength(1);
  });

  it('keeps the localStorage copy of a lead whose IndexedDB write failed at hide time (WebKit drops the connection in the background)', async () => {
    // The network goes down with IndexedDB: the first page cannot send the lead either.
    let down = false;
    const relay = fakeRelay(() => (down ? 'network-error' : (undefined as any)));
    vi.stubGlobal('navigator', { onLine: true, sendBeacon: () => false });
    const first = make();
    await first.identify({ phone: '+15551234567' });
    await first.flush();
    down = true;
    // From now on every IndexedDB write throws, as after WebKit closed the connection.
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The database connection is closing.', 'InvalidStateError');
    });
    first.track('Lead Form Submitted');
    hidePage();
    await tick(50);
    // The write fell back to memory: the lead is in no durable storage but the copy.
    expect(first.stats().storage).toBe('memory');
    const copies = Object.keys(localStorage).filter((k) => k.includes(':rescue:'));
    // The page is killed in the background; a later visit, IndexedDB working again.
    first.destroy();
    put.mockRestore();
    down = false;
    const whileDown = relay.sent.length;
    const next = make();
    await next.flush();
    await tick(20);
    await next.flush();
    // (The fake relay records the attempts that failed while the network was down too.)
    const arrived = relay.sent.slice(whileDown).flatMap((x) => x.body.batch || []);
    expect(arrived.filter((e: any) => e.name == 'Lead Form Submitted')).toHaveLength(1);
    expect(copies).toHaveLength(1);
  });
});
