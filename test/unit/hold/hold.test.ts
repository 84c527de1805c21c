// What is held, and when it is released (src/browser/hold/hold.ts), on a client state built
// by hand: a real queue over a memory store, a flusher that only records its schedule.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dropOnReset, heldBy, isHeld, release, releaseSoon, stampRelease } from '../../../src/browser/hold/hold';
import { derive, newIdentity } from '../../../src/browser/identity/identity-state';
import { writeIdentity, type StoredIdentity } from '../../../src/browser/identity/identity-store';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import { createEmitter } from '../../../src/browser/lib/emitter';
import { resolveOptions } from '../../../src/browser/client/options';
import { drop, noDrops, outcomeOf } from '../../../src/browser/client/outcomes';
import type { ClientState } from '../../../src/browser/client/state';
import type { DroppedInfo, RegalEvents, RegalOptions } from '../../../src/browser/types';

const PHONE = '+15551234567';
const NEXT_PHONE = '+15559876543';

afterEach(() => void vi.useRealTimers());

/** The state the hold module reads: visitor `anon-a`, anonymous, nothing queued. */
function holdState(options: RegalOptions = {}) {
  const store = memoryStore();
  const schedule = vi.fn();
  const emitter = createEmitter<RegalEvents>();
  const dropped: DroppedInfo[] = [];
  emitter.on('dropped', (info) => dropped.push(info));
  const c = {
    _o: resolveOptions({ flushIntervalMs: 50, ...options }),
    _now: () => Date.now(),
    _store: store,
    _emitter: emitter,
    _flusher: { schedule },
    _identity: { anonymousId: 'anon-a', userId: null, traits: {}, updatedAt: 1 },
    _stamp: {},
    _stampBytes: 2,
    _contactable: false,
    _optedOut: false,
    _optOutBuffer: [],
    _dropped: noDrops(),
    _waiters: new Map(),
    _outcomes: new Map(),
  } as unknown as ClientState;
  c._queue = createQueue(store, c._o, (reason, records) => drop(c, reason, records));
  return { c, store, schedule, dropped };
}

let n = 0;
/** A record as a call of `anon` made it (userId: the anonymous id, no traits yet). */
function made(anon: string, held = true, name = `event ${++n}`): QueuedRecord {
  const event = { messageId: `m-${n}`, name, userId: anon, traits: {}, originalTimestamp: '2026-03-04T05:06:07.000Z', eventSource: 'Website' };
  return { key: `e:${String(n).padStart(9, '0')}`, event, anon, held, at: 0, bytes: JSON.stringify(event).length };
}

/** The visitor gives a phone (as identify does): the stamp and contactability follow. */
function becomesContactable(c: ClientState, phoneNumber = PHONE, userId: string | null = null) {
  c._identity.traits = { phones: [{ phoneNumber, isPrimary: true, smsOptIn: { subscribed: true, timestamp: 't', source: 's' } }] };
  c._identity.userId = userId;
  derive(c);
}

describe('isHeld', () => {
  it('holds the calls of a visitor who cannot be contacted yet, and only while holding is on', () => {
    const { c } = holdState();
    expect(isHeld(c)).toBe(true);
    becomesContactable(c);
    expect(isHeld(c)).toBe(false);
    expect(isHeld(holdState({ holdUntilContactable: false }).c)).toBe(false);
  });
});

describe('stampRelease', () => {
  const identity: StoredIdentity = { anonymousId: 'anon-a', userId: 'user-7', traits: {}, updatedAt: 1 };
  const stamp = { phones: [{ phoneNumber: PHONE, isPrimary: true }] };

  it('makes a held event sendable, stamped with the phone and the userId the visitor has now', () => {
    const r = made('anon-a');
    r.event.traits = { firstName: 'Jane' } as any;
    expect(stampRelease(r, identity, stamp)).toBe(true);
    expect(r.held).toBe(false);
    expect(r.event.traits).toEqual({ firstName: 'Jane', phones: [{ phoneNumber: PHONE, isPrimary: true }] });
    expect(r.event.userId).toBe('user-7');
    // The queue's byte caps and batches count the stamped event.
    expect(r.bytes).toBe(JSON.stringify(r.event).length);
  });

  it("keeps a userId the call was made with (an anonymousId option is the caller's)", () => {
    const r = made('anon-a');
    r.event.userId = 'given-by-the-site';
    stampRelease(r, identity, stamp);
    expect(r.event.userId).toBe('given-by-the-site');
  });

  it("never touches another visitor's event, nor one that is not held", () => {
    const other = made('anon-b');
    const sent = made('anon-a', false);
    const before = [JSON.stringify(other), JSON.stringify(sent)];
    expect(stampRelease(other, identity, stamp)).toBe(false);
    expect(stampRelease(sent, identity, stamp)).toBe(false);
    expect([JSON.stringify(other), JSON.stringify(sent)]).toEqual(before);
  });
});

describe('release', () => {
  it('releases the held events once the visitor is contactable: stamped, stored, then sent', async () => {
    const { c, store, schedule } = holdState();
    const records = [made('anon-a'), made('anon-a')];
    await Promise.all(records.map((r) => c._queue.add(r)));
    release(c);
    expect(records.every((r) => r.held)).toBe(true); // not contactable yet: nothing happens

    becomesContactable(c, PHONE, 'user-7');
    release(c);
    expect(records.map((r) => r.held)).toEqual([false, false]);
    for (const r of records) expect(r.event.traits).toEqual({ phones: [{ phoneNumber: PHONE, isPrimary: true }] });
    await vi.waitFor(() => expect(schedule).toHaveBeenCalledWith(0));
    // Stored released, so another tab or the next page sends them too.
    const stored = (await store.get(records[0].key)) as QueuedRecord;
    expect(stored.held).toBe(false);
    expect(stored.event.userId).toBe('user-7');
  });

  it('stamps only with the primary phone and email: opt-ins are not re-sent with every event', async () => {
    const { c } = holdState();
    const r = made('anon-a');
    await c._queue.add(r);
    becomesContactable(c);
    release(c);
    expect(JSON.stringify(r.event.traits)).not.toContain('smsOptIn');
  });

  it("leaves another visitor's held events held", async () => {
    const { c } = holdState();
    const theirs = made('anon-b');
    await c._queue.add(theirs);
    becomesContactable(c);
    release(c);
    expect(theirs.held).toBe(true);
    expect(theirs.event.traits).toEqual({});
  });

  it('does nothing once the client is destroyed (the queue belongs to the client that replaced it)', async () => {
    const { c, schedule } = holdState();
    const r = made('anon-a');
    await c._queue.add(r);
    becomesContactable(c);
    c._destroyed = true;
    release(c);
    expect(r.held).toBe(true);
    expect(schedule).not.toHaveBeenCalled();
  });
});

describe('reset', () => {
  it("drops the forgotten visitor's held events as `reset`: counted, announced, .delivered false", async () => {
    const { c, dropped } = holdState();
    const held = [made('anon-a'), made('anon-a')];
    const sendable = made('anon-a', false);
    const theirs = made('anon-b');
    for (const r of [...held, sendable, theirs]) await c._queue.add(r);
    const delivered = outcomeOf(c, held[0].event.messageId);

    dropOnReset(c);
    expect(c._queue.list()).toEqual([sendable, theirs]);
    expect(c._dropped.reset).toBe(2);
    expect(dropped).toEqual([{ reason: 'reset', count: 2, messageIds: held.map((r) => r.event.messageId) }]);
    await expect(delivered).resolves.toBe(false);
  });

  it('drops the calls the visitor made while opted out (kept in memory) with them, never running them', () => {
    const { c, dropped } = holdState({ optedOutStorage: 'memory' });
    const attempt = vi.fn();
    c._optOutBuffer.push({ anon: 'anon-a', messageId: 'kept-a', attempt }, { anon: 'anon-b', messageId: 'kept-b', attempt });
    dropOnReset(c);
    expect(dropped).toEqual([{ reason: 'reset', count: 1, messageIds: ['kept-a'] }]);
    expect(c._optOutBuffer.map((b) => b.messageId)).toEqual(['kept-b']);
    expect(attempt).not.toHaveBeenCalled();
  });

  it("never stamps a held event with the next visitor's phone", async () => {
    const { c } = holdState();
    await c._queue.add(made('anon-a'));
    dropOnReset(c);
    c._identity = newIdentity(2);
    const next = made(c._identity.anonymousId);
    await c._queue.add(next);
    becomesContactable(c, NEXT_PHONE);
    release(c);
    expect(c._queue.list()).toEqual([next]);
    expect(next.event.traits).toEqual({ phones: [{ phoneNumber: NEXT_PHONE, isPrimary: true }] });
  });

  it("leaves held events of a visitor reset in another tab to that visitor, not this tab's new one", async () => {
    // This tab still holds anon-a's events (another tab reset it, and this tab adopted the
    // new visitor from storage): they stay held, unstamped.
    const { c } = holdState();
    const old = made('anon-a');
    await c._queue.add(old);
    c._identity = { ...newIdentity(2), traits: {} };
    becomesContactable(c, NEXT_PHONE);
    release(c);
    expect(old.held).toBe(true);
    expect(JSON.stringify(old.event)).not.toContain(NEXT_PHONE);
  });

  it('heldBy: the held events of one visitor, in order', () => {
    const records = [made('anon-a'), made('anon-b'), made('anon-a', false), made('anon-a')];
    expect(heldBy(records, 'anon-a')).toEqual([records[0], records[3]]);
  });
});

describe('another tab identifies the visitor', () => {
  it('releases what this tab holds soon after, with the phone given there', async () => {
    vi.useFakeTimers();
    const { c, store } = holdState();
    const r = made('anon-a');
    await c._queue.add(r);
    releaseSoon(c);
    // The other tab's identify, stored under the same visitor.
    await writeIdentity(store, { anonymousId: 'anon-a', userId: 'user-7', traits: { phones: [{ phoneNumber: PHONE, isPrimary: true }] }, updatedAt: 5 });
    expect(r.held).toBe(true);
    await vi.advanceTimersByTimeAsync(50);
    expect(r.held).toBe(false);
    expect(r.event.traits).toEqual({ phones: [{ phoneNumber: PHONE, isPrimary: true }] });
    expect(r.event.userId).toBe('user-7');
    expect(c._contactable).toBe(true);
  });

  it('looks at the stored identity at most once per flush interval, however many events are held', async () => {
    vi.useFakeTimers();
    const { c, store } = holdState();
    const get = vi.spyOn(store, 'get');
    for (let i = 0; i < 5; i++) releaseSoon(c);
    await vi.advanceTimersByTimeAsync(49);
    expect(get).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(get).toHaveBeenCalledTimes(1);
    releaseSoon(c);
    await vi.advanceTimersByTimeAsync(50);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('keeps holding when the other tab identified someone else (reset there, then identify)', async () => {
    vi.useFakeTimers();
    const { c, store } = holdState();
    const r = made('anon-a');
    await c._queue.add(r);
    releaseSoon(c);
    await writeIdentity(store, { anonymousId: 'anon-new', userId: null, traits: { phones: [{ phoneNumber: NEXT_PHONE, isPrimary: true }] }, updatedAt: 5 });
    await vi.advanceTimersByTimeAsync(50);
    expect(c._identity.anonymousId).toBe('anon-new');
    expect(r.held).toBe(true);
    expect(JSON.stringify(r.event)).not.toContain(NEXT_PHONE);
  });

  it('a destroyed client does not look', async () => {
    vi.useFakeTimers();
    const { c, store } = holdState();
    const get = vi.spyOn(store, 'get');
    releaseSoon(c);
    c._destroyed = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(get).not.toHaveBeenCalled();
  });
});
