// A call's `.delivered`: true once the relay accepted the event, false once it was dropped
// (refused, reset, opted out), in the tab that made it even when another tab sent or dropped it.
import { describe, expect, it } from 'vitest';
import { clientsPerTest, fakeRelay, madeHereSentThere, tick, twoIdleTabs, within } from '../helpers';

const make = clientsPerTest();

describe('.delivered in one tab', () => {
  it('resolves .delivered once the event was accepted', async () => {
    fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const result = regal.track('a');
    const delivered = result.delivered;
    await regal.flush();
    await expect(delivered).resolves.toBe(true);
  });

  it('read after the event was delivered, still resolves true', async () => {
    fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const result = regal.track('Clicked');
    await result;
    await regal.flush();
    expect(regal.stats().delivered).toBe(1);
    expect(await within(result.delivered)).toBe(true);
  });

  it('.delivered settles for an identify that changes nothing', async () => {
    fakeRelay();
    const regal = make();
    await regal.identify('u1', { email: 'jane@example.com' });
    await regal.ready();
    const again = regal.identify('u1');
    expect(await within(again.delivered, 100)).not.toBe('pending');
  });
});

describe('.delivered across tabs', () => {
  it('.delivered resolves in the tab that made an event when another tab sent it', async () => {
    const relay = fakeRelay();
    const { maker, sender, delivered } = await madeHereSentThere(make);
    expect(relay.events().map((e) => e.name ?? 'identify')).toEqual(['identify', 'Made here']);
    await maker.flush();
    expect(relay.sent).toHaveLength(1);
    await expect(delivered).resolves.toBe(true);
  });

  it('.delivered resolves false (not true) in the tab that made an event another tab\'s relay refused for good', async () => {
    // The relay refuses every event for good (e.g. Regal answered 400 for it).
    const relay = fakeRelay((body) => new Response(JSON.stringify({ accepted: [], rejected: body.batch.map((e: any) => ({ messageId: e.messageId, reason: 'upstream 400' })), retry: [] }), { status: 200 }));
    const { maker, sender, delivered } = await madeHereSentThere(make);
    expect(relay.events().map((e) => e.name ?? 'identify')).toContain('Made here');
    expect(sender.stats().dropped.rejected).toBeGreaterThan(0);
    await maker.flush(); // the maker sees it gone from storage
    // "Gone from storage" alone would read as "another tab delivered it"; the refusal mark says otherwise.
    await expect(delivered).resolves.toBe(false);
  });

  it('of an event another tab dropped at its reset() is false, not true', async () => {
    fakeRelay();
    const [maker, other] = await twoIdleTabs(make);
    // Anonymous: held. The other tab picks it up at its next round, then resets (logout).
    const result = maker.track('Held then reset');
    const delivered = result.delivered;
    await result;
    await other.flush();
    expect(other.stats().held).toBe(1);
    await other.reset();
    await tick(20);
    await maker.flush();
    expect(maker.stats().held).toBe(0);
    expect(await within(delivered)).toBe(false);
  });

  it('of an event another tab dropped at its optOut() is false, not true', async () => {
    fakeRelay();
    const [maker, other] = await twoIdleTabs(make);
    const result = maker.track('Held then opted out');
    const delivered = result.delivered;
    await result;
    await other.flush();
    other.optOut();
    await tick(50);
    await maker.flush();
    expect(await within(delivered)).toBe(false);
  });
});
