/**
 * Identity resolution of the reference server: first the pure contact book (resolution
 * order, merging, ownership, history), then the same rules over HTTP as a site would
 * exercise them (events before a phone, a second phone, a new primary, email only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContactBook, type ContactBook } from '../../demo/server/contact-book';
import type { StoredEvent } from '../../demo/server/event-store';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import type { CustomEvent } from '../../src/wire/schema';

const P1 = '+15550000001';
const P2 = '+15550000002';
const P3 = '+15550000003';

describe('contact book (pure)', () => {
  let book: ContactBook;
  let seq: number;
  const apply = (event: CustomEvent) =>
    book.apply({ seq: ++seq, receivedAt: `2026-05-24T15:00:${String(seq).padStart(2, '0')}Z`, event });
  const phones = (...numbers: string[]) => numbers.map((phoneNumber) => ({ phoneNumber }));
  const contact = (id: string | null) => book.contacts().find((c) => c.id === id)!;

  beforeEach(() => {
    book = createContactBook();
    seq = 0;
  });

  it('creates a contact only when a phone or an email is present', () => {
    expect(apply({ traits: { firstName: 'Jane' }, userId: 'u1' }).contactId).toBeNull();
    expect(book.contacts()).toEqual([]);
    expect(apply({ traits: { phones: phones(P1) } }).contactId).toBe('contact_1');
    expect(apply({ traits: { emails: [{ emailAddress: 'a@example.com' }] } }).contactId).toBe('contact_2');
  });

  it('resolves by the primary phone before any other phone', () => {
    const a = apply({ traits: { phones: phones(P1) } }).contactId;
    const b = apply({ traits: { phones: phones(P2) } }).contactId;
    const both = apply({ traits: { phones: [{ phoneNumber: P1 }, { phoneNumber: P2, isPrimary: true }] } });
    expect(both.contactId).toBe(b);
    // P1 stays with A: a phone belongs to one contact only.
    expect(both.warnings).toEqual([`${P1} already belongs to ${a}; not moved to ${b}`]);
    expect(contact(a).phones.map((p) => p.phoneNumber)).toEqual([P1]);
    expect(contact(b).phones.map((p) => p.phoneNumber)).toEqual([P2]);
  });

  it('resolves by any phone before the primary email', () => {
    const byEmail = apply({ traits: { emails: [{ emailAddress: 'jane@example.com' }] } }).contactId;
    const byPhone = apply({ traits: { phones: phones(P1) } }).contactId;
    const event = {
      traits: { phones: phones(P1), emails: [{ emailAddress: 'jane@example.com', isPrimary: true }] },
    };
    expect(apply(event).contactId).toBe(byPhone);
    expect(byPhone).not.toBe(byEmail);
  });

  it('resolves by the primary email before any other email, and emails before the userId', () => {
    const a = apply({ traits: { emails: [{ emailAddress: 'a@example.com' }] }, userId: 'u-a' }).contactId;
    const b = apply({ traits: { emails: [{ emailAddress: 'b@example.com' }] } }).contactId;
    const emails = [{ emailAddress: 'a@example.com' }, { emailAddress: 'B@Example.com', isPrimary: true }];
    expect(apply({ traits: { emails } }).contactId).toBe(b);
    expect(apply({ traits: { emails: [{ emailAddress: 'b@example.com' }] }, userId: 'u-a' }).contactId).toBe(b);
    expect(a).not.toBe(b);
  });

  it('matches emails regardless of case and surrounding spaces', () => {
    const first = apply({ traits: { emails: [{ emailAddress: 'Jane@Example.com' }] } }).contactId;
    expect(apply({ traits: { emails: [{ emailAddress: ' jane@example.COM ' }] } }).contactId).toBe(first);
    expect(contact(first).emails).toHaveLength(1);
  });

  it('merges traits: no duplicate phones, opt-ins kept per phone, newer traits overwrite', () => {
    const id = apply({
      traits: {
        firstName: 'Jane',
        plan: 'free',
        address: { city: 'Austin' },
        phones: [{ phoneNumber: P1, isPrimary: true, smsOptIn: { subscribed: true, timestamp: 't1', source: 'form' } }],
      },
    }).contactId;
    apply({
      traits: {
        plan: 'pro',
        phones: [
          { phoneNumber: P1, voiceOptIn: { subscribed: true } },
          { phoneNumber: P2, smsOptIn: { subscribed: false } },
        ],
      },
    });
    apply({ traits: { phones: [{ phoneNumber: P1, smsOptIn: { subscribed: false } }] } });

    const merged = contact(id);
    expect(merged.traits).toEqual({ firstName: 'Jane', plan: 'pro', address: { city: 'Austin' } });
    expect(merged.phones).toEqual([
      // A newer opt-in of a channel replaces the older one whole: no stale timestamp.
      { phoneNumber: P1, isPrimary: true, voiceOptIn: { subscribed: true }, smsOptIn: { subscribed: false } },
      { phoneNumber: P2, isPrimary: false, smsOptIn: { subscribed: false } },
    ]);
  });

  it('keeps exactly one primary phone: the newest one marked, else the first', () => {
    const id = apply({ traits: { phones: phones(P1, P2) } }).contactId;
    expect(contact(id).phones.filter((p) => p.isPrimary).map((p) => p.phoneNumber)).toEqual([P1]);
    apply({ traits: { phones: [{ phoneNumber: P1 }, { phoneNumber: P3, isPrimary: true }] } });
    expect(contact(id).phones.map((p) => [p.phoneNumber, p.isPrimary])).toEqual([
      [P1, false],
      [P2, false],
      [P3, true],
    ]);
  });

  it('keeps every userId it was sent with, and attaches userId-only events to the latest', () => {
    const id = apply({ traits: { phones: phones(P1) }, userId: 'u1' }).contactId;
    apply({ traits: { phones: phones(P1) }, userId: 'u2' });
    expect(contact(id).userIds).toEqual(['u1', 'u2']);
    expect(apply({ traits: {}, userId: 'u1' }).contactId).toBe(id);
    const other = apply({ traits: { phones: phones(P2) }, userId: 'u1' }).contactId;
    expect(apply({ traits: {}, userId: 'u1' }).contactId).toBe(other);
  });

  it('never rewrites history: an earlier unresolved event stays unresolved', () => {
    expect(apply({ traits: {}, userId: 'u1', name: 'Early' }).contactId).toBeNull();
    const id = apply({ traits: { phones: phones(P1) }, userId: 'u1', name: 'Identified' }).contactId;
    expect(contact(id).events.map((e) => e.name)).toEqual(['Identified']);
  });

  it('drops a phone that is not E.164, with a warning, and creates nothing from it', () => {
    const result = apply({ traits: { phones: phones('(555) 123-4567', '+0123456789', '+1555') } });
    expect(result.contactId).toBeNull();
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[0]).toBe(
      'traits.phones.0.phoneNumber: "(555) 123-4567" is not E.164 (like +15551234567); dropped, as Regal does',
    );
    const mixed = apply({ traits: { phones: phones('555', P1) } });
    expect(contact(mixed.contactId).phones.map((p) => p.phoneNumber)).toEqual([P1]);
  });

  it('hands out copies: changing what contacts() returned changes nothing inside', () => {
    apply({ traits: { phones: phones(P1) } });
    book.contacts()[0].phones.push({ phoneNumber: P2, isPrimary: false });
    expect(book.contacts()[0].phones).toHaveLength(1);
  });

  it('replays to the same contacts and ids (the restart guarantee)', () => {
    const events: CustomEvent[] = [
      { traits: {}, userId: 'u1' },
      { traits: { phones: phones(P1) }, userId: 'u1' },
      { traits: { emails: [{ emailAddress: 'x@example.com' }] } },
      { traits: {}, userId: 'u1' },
    ];
    const results = events.map(apply);
    const first = book.contacts();
    book = createContactBook();
    seq = 0;
    expect(events.map(apply)).toEqual(results);
    expect(book.contacts()).toEqual(first);
  });
});

describe('identity over HTTP', () => {
  let server: ReferenceServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'regal-identity-'));
    server = await startReferenceServer({ port: 0, dataDir, quiet: true });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await fetch(`${server.url}/_stub`, { method: 'DELETE' });
  });

  async function post(event: CustomEvent): Promise<void> {
    const response = await fetch(`${server.url}/events`, {
      method: 'POST',
      headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(200);
  }
  const events = async (): Promise<StoredEvent[]> =>
    (await (await fetch(`${server.url}/_stub/events`)).json()).events;
  const contacts = async () => (await (await fetch(`${server.url}/_stub/contacts`)).json()).contacts;

  it('events before a phone are unresolved; the phone makes the contact; later userId-only events attach', async () => {
    await post({ traits: {}, userId: 'visitor-1', name: 'Pricing Viewed' });
    await post({ traits: {}, userId: 'visitor-1', name: 'CTA Clicked' });
    const phones = [{ phoneNumber: P1, isPrimary: true }];
    await post({ traits: { phones }, userId: 'visitor-1', name: 'Lead Form Submitted' });
    await post({ traits: {}, userId: 'visitor-1', name: 'Checkout Started' });

    const recorded = await events();
    const [contact] = await contacts();
    expect(recorded.map((e) => [e.name, e.contactId])).toEqual([
      ['Pricing Viewed', null],
      ['CTA Clicked', null],
      ['Lead Form Submitted', contact.id],
      ['Checkout Started', contact.id],
    ]);
    expect(contact.userIds).toEqual(['visitor-1']);
    expect(contact.events.map((e: { name: string }) => e.name)).toEqual(['Lead Form Submitted', 'Checkout Started']);
  });

  it('a second phone joins the same contact, the first stays primary', async () => {
    await post({ traits: { phones: [{ phoneNumber: P1, isPrimary: true }] }, userId: 'u-2' });
    await post({ traits: { phones: [{ phoneNumber: P1 }, { phoneNumber: P2, label: 'work' }] } });
    const all = await contacts();
    expect(all).toHaveLength(1);
    expect(all[0].phones).toEqual([
      { phoneNumber: P1, isPrimary: true },
      { phoneNumber: P2, isPrimary: false, label: 'work' },
    ]);
  });

  it('a new primary phone sent with a known userId moves the primary, keeping the old phone', async () => {
    await post({ traits: { phones: [{ phoneNumber: P1, isPrimary: true }] }, userId: 'u-3' });
    await post({ traits: { phones: [{ phoneNumber: P2, isPrimary: true }] }, userId: 'u-3' });
    const all = await contacts();
    expect(all).toHaveLength(1);
    expect(all[0].phones.map((p: { phoneNumber: string; isPrimary: boolean }) => [p.phoneNumber, p.isPrimary])).toEqual([
      [P1, false],
      [P2, true],
    ]);
  });

  it('an email alone makes a contact, and later events by that email attach to it', async () => {
    const emailOptIn = { subscribed: true };
    await post({ traits: { emails: [{ emailAddress: 'solo@example.com', emailOptIn }] }, name: 'Newsletter' });
    await post({ traits: { emails: [{ emailAddress: 'solo@example.com' }], firstName: 'Solo' }, name: 'Webinar' });
    const [contact] = await contacts();
    expect(contact.phones).toEqual([]);
    expect(contact.emails).toEqual([{ emailAddress: 'solo@example.com', isPrimary: true, emailOptIn }]);
    expect(contact.traits.firstName).toBe('Solo');
    expect(contact.events).toHaveLength(2);
  });

  it('a userId-only event of an unknown user stays unresolved', async () => {
    await post({ traits: { phones: [{ phoneNumber: P1 }] }, userId: 'known' });
    await post({ traits: {}, userId: 'stranger', name: 'Lost' });
    const lost = (await events()).find((e) => e.name === 'Lost')!;
    expect(lost.contactId).toBeNull();
  });
});
