// The tab's copy of the visitor (src/browser/identity/identity-state.ts) and the store it is
// kept in step with (identity-store.ts), on a client state built by hand.
import { describe, expect, it, vi } from 'vitest';
import { derive, forgetVisitor, identifyVisitor, isNewer, loadIdentity, reassign, saveIdentity, syncIdentity } from '../../../src/browser/identity/identity-state';
import { IDENTITY_KEY, readIdentity, writeIdentity, type StoredIdentity } from '../../../src/browser/identity/identity-store';
import { createQueue, type QueuedRecord } from '../../../src/browser/queue/queue';
import { memoryStore } from '../../../src/browser/queue/store';
import { createEmitter } from '../../../src/browser/lib/emitter';
import { resolveOptions } from '../../../src/browser/client/options';
import { drop, noDrops } from '../../../src/browser/client/outcomes';
import type { ClientState } from '../../../src/browser/client/state';
import type { RegalError, RegalEvents } from '../../../src/browser/types';

const PHONE = '+15551234567';
const ctx = { defaultCountry: 'US', timestamp: '2026-03-04T05:06:07.000Z', source: 'https://acme.test/' };

function state(clock = 1000) {
  const store = memoryStore();
  const errors: RegalError[] = [];
  const emitter = createEmitter<RegalEvents>();
  emitter.on('error', (e) => errors.push(e));
  const c = {
    _o: resolveOptions({}),
    _now: () => clock,
    _store: store,
    _emitter: emitter,
    _flusher: { schedule: vi.fn() },
    _identity: { anonymousId: 'anon-a', userId: null, traits: {}, updatedAt: 1 },
    _stamp: {},
    _stampBytes: 2,
    _optedOut: false,
    _optOutBuffer: [],
    _dropped: noDrops(),
    _waiters: new Map(),
    _outcomes: new Map(),
    _reported: new WeakSet(),
  } as unknown as ClientState;
  c._queue = createQueue(store, c._o, (reason, records) => drop(c, reason, records));
  return { c, store, errors };
}

const record = (anon: string, userId = anon): QueuedRecord => ({
  key: `e:${anon}`,
  event: { messageId: `m-${anon}`, name: 'x', userId, traits: {}, originalTimestamp: ctx.timestamp, eventSource: 'Website' },
  anon,
  held: true,
  at: 0,
  bytes: 10,
});

describe('derive', () => {
  it('works out the stamp, its size and contactability from the traits', () => {
    const { c } = state();
    c._identity.traits = { firstName: 'Jane', phones: [{ phoneNumber: PHONE, isPrimary: true, smsOptIn: { subscribed: true, timestamp: 't', source: 's' } }] };
    derive(c);
    expect(c._stamp).toEqual({ phones: [{ phoneNumber: PHONE, isPrimary: true }] });
    expect(c._stampBytes).toBe(JSON.stringify(c._stamp).length);
    expect(c._contactable).toBe(true);
  });
});

describe('saveIdentity', () => {
  it('stores the identity as its newest version, under the one identity key', async () => {
    const { c, store } = state(5000);
    c._identity.userId = 'user-7';
    await saveIdentity(c);
    expect(await store.get(IDENTITY_KEY)).toEqual({ anonymousId: 'anon-a', userId: 'user-7', traits: {}, updatedAt: 5000 });
  });

  it('a failed write is not thrown at the caller', async () => {
    const { c, store } = state();
    vi.spyOn(store, 'setMany').mockRejectedValue(new Error('QuotaExceededError'));
    await expect(saveIdentity(c)).resolves.toBeUndefined();
  });
});

describe('forgetVisitor (reset)', () => {
  it('stores a new visitor with nothing known, keeping the opt-out choice', async () => {
    const { c, store } = state(7000);
    c._identity = { anonymousId: 'anon-a', userId: 'user-7', traits: { phones: [{ phoneNumber: PHONE, isPrimary: true }] }, optedOut: true, updatedAt: 3 };
    derive(c);
    await forgetVisitor(c);
    const stored = await readIdentity(store);
    // resetAt: when the reset happened, for the site's other subdomains (sync-cookie.ts).
    expect(stored).toEqual({ anonymousId: c._identity.anonymousId, userId: null, traits: {}, optedOut: true, updatedAt: 7000, resetAt: 7000 });
    expect(stored!.anonymousId).not.toBe('anon-a');
    expect([c._contactable, c._stamp]).toEqual([false, {}]);
  });
});

describe('isNewer (whose copy wins)', () => {
  const mine: StoredIdentity = { anonymousId: 'a', userId: null, traits: {}, updatedAt: 10 };
  it('a later write wins; an earlier one does not', () => {
    expect(isNewer({ ...mine, userId: 'u', updatedAt: 11 }, mine)).toBe(true);
    expect(isNewer({ ...mine, userId: 'u', updatedAt: 9 }, mine)).toBe(false);
  });
  it('in the same millisecond, the stored copy wins when it differs, so that every tab agrees', () => {
    expect(isNewer({ ...mine, userId: 'u' }, mine)).toBe(true);
    expect(isNewer({ ...mine }, mine)).toBe(false);
  });
});

describe('syncIdentity (another tab changed the visitor)', () => {
  it("adopts another tab's newer identify: the stamp and contactability follow", async () => {
    const { c, store } = state();
    await writeIdentity(store, { anonymousId: 'anon-a', userId: 'user-7', traits: { phones: [{ phoneNumber: PHONE, isPrimary: true }] }, updatedAt: 2 });
    await syncIdentity(c);
    expect(c._identity.userId).toBe('user-7');
    expect(c._contactable).toBe(true);
    expect(c._stamp).toEqual({ phones: [{ phoneNumber: PHONE, isPrimary: true }] });
  });

  it('keeps its own copy when the stored one is older', async () => {
    const { c, store } = state();
    c._identity.updatedAt = 50;
    await writeIdentity(store, { anonymousId: 'anon-old', userId: 'someone', traits: {}, updatedAt: 2 });
    await syncIdentity(c);
    expect(c._identity.anonymousId).toBe('anon-a');
  });

  it("follows another tab's optOut (dropping what this tab keeps) and its optIn (running what it kept)", async () => {
    const { c, store } = state();
    await c._queue.add(record('anon-a'));
    await writeIdentity(store, { anonymousId: 'anon-a', userId: null, traits: {}, optedOut: true, updatedAt: 2 });
    await syncIdentity(c);
    expect(c._optedOut).toBe(true);
    expect(c._queue.list()).toEqual([]);
    expect(c._dropped['opted-out']).toBe(1);

    const attempt = vi.fn();
    c._optOutBuffer.push({ anon: 'anon-a', messageId: 'kept', attempt });
    await writeIdentity(store, { anonymousId: 'anon-a', userId: null, traits: {}, optedOut: false, updatedAt: 3 });
    await syncIdentity(c);
    expect(c._optedOut).toBe(false);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(c._optOutBuffer).toEqual([]);
  });

  it('an unreadable store changes nothing', async () => {
    const { c, store } = state();
    vi.spyOn(store, 'get').mockRejectedValue(new Error('InvalidStateError'));
    await syncIdentity(c);
    expect(c._identity.anonymousId).toBe('anon-a');
  });
});

describe('loadIdentity', () => {
  it('a first visit stores a new visitor; the next page finds the same one', async () => {
    const first = state();
    first.c._identity = { anonymousId: '', userId: null, traits: {}, updatedAt: 0 };
    await loadIdentity(first.c);
    const anon = first.c._identity.anonymousId;
    expect(anon).toMatch(/^[0-9a-f-]{36}$/);
    expect((await readIdentity(first.store))?.anonymousId).toBe(anon);

    const next = state();
    await writeIdentity(next.store, first.c._identity);
    await loadIdentity(next.c);
    expect(next.c._identity.anonymousId).toBe(anon);
  });

  it('calls that ran under a provisional identity keep what they learnt, and give their events to the stored visitor', async () => {
    const { c, store } = state();
    await writeIdentity(store, { anonymousId: 'anon-stored', userId: null, traits: { emails: [{ emailAddress: 'jane@example.com', isPrimary: true }] }, updatedAt: 1 });
    c._identity = { anonymousId: 'anon-provisional', userId: 'user-7', traits: { phones: [{ phoneNumber: PHONE, isPrimary: true }] }, updatedAt: 0 };
    c._provisional = c._identity;
    const theirs = record('anon-provisional');
    const other = record('anon-other');
    await c._queue.add(theirs);
    await c._queue.add(other);
    await loadIdentity(c);
    expect(c._identity.anonymousId).toBe('anon-stored');
    expect(c._identity.userId).toBe('user-7');
    expect(c._identity.traits).toEqual({
      emails: [{ emailAddress: 'jane@example.com', isPrimary: true }],
      phones: [{ phoneNumber: PHONE, isPrimary: true }],
    });
    expect([theirs.anon, theirs.event.userId]).toEqual(['anon-stored', 'user-7']);
    expect([other.anon, other.event.userId]).toEqual(['anon-other', 'anon-other']);
  });
});

describe('reassign', () => {
  it("moves one visitor's events to another, keeping a userId the call was made with", () => {
    const a = record('from');
    const given = record('from', 'site-given');
    const b = record('else');
    reassign([a, given, b], 'from', { anonymousId: 'to', userId: null, traits: {}, updatedAt: 0 });
    expect([a.anon, a.event.userId]).toEqual(['to', 'to']);
    expect([given.anon, given.event.userId]).toEqual(['to', 'site-given']);
    expect([b.anon, b.event.userId]).toEqual(['else', 'else']);
  });
});

describe('identifyVisitor', () => {
  it('merges the traits into the visitor, stores them, and returns what the event sends', async () => {
    const { c, store } = state();
    const traits = identifyVisitor(c, 'user-7', { phone: PHONE, smsOptIn: true }, ctx);
    expect(traits).toEqual({ phones: [{ phoneNumber: PHONE, isPrimary: true, smsOptIn: { subscribed: true, timestamp: ctx.timestamp, source: ctx.source } }] });
    expect(c._identity.userId).toBe('user-7');
    expect(c._contactable).toBe(true);
    await vi.waitFor(async () => expect((await readIdentity(store))?.userId).toBe('user-7'));
  });

  it('changes nothing (and returns undefined) for an identify that adds nothing', () => {
    const { c } = state();
    c._identity.userId = 'user-7';
    expect(identifyVisitor(c, 'user-7', {}, ctx)).toBeUndefined();
    expect(identifyVisitor(c, '  ', {}, ctx)).toBeUndefined();
    expect(c._identity.userId).toBe('user-7');
  });

  it('reports each invalid trait; with nothing valid left, throws the first as the call error', () => {
    const { c, errors } = state();
    let thrown: unknown;
    try {
      identifyVisitor(c, undefined, { phone: '12', email: 'nope' }, ctx);
    } catch (e) {
      thrown = e;
    }
    expect(errors.map((e) => e.code)).toEqual(['invalid_phone', 'invalid_email']);
    expect(thrown).toBe(errors[0]);
  });

  it('sends the attribution touches with the traits', () => {
    const { c } = state();
    const touch = { params: { utm_source: 'google' }, landingPage: 'https://acme.test/', referrer: '', timestamp: ctx.timestamp };
    c._identity.touches = { first: touch, last: touch };
    expect(identifyVisitor(c, undefined, { email: 'jane@example.com' }, ctx)).toMatchObject({ firstTouchUtmSource: 'google', lastTouchUtmSource: 'google' });
  });
});
