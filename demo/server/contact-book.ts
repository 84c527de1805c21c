/**
 * Identity resolution as Regal describes it, without I/O so it can be tested alone and
 * replayed from the event log with the same result (contact ids are counters, not random).
 *
 * - An event resolves by primary phone > any other phone > primary email > any other email
 *   > userId: the first identifier already known names the contact.
 * - A contact is created only when the event carries a phone or an email (Regal's
 *   "contactable"); a userId-only event that resolves to nobody is unresolved (null).
 * - A phone (and, likewise, an email) belongs to one contact only: it is never moved to
 *   another contact; the event that tries gets a warning instead.
 * - Traits merge: phones and emails are added without duplicates, each keeps its own
 *   opt-ins (a newer opt-in of a channel replaces the older one), other traits are
 *   overwritten by the newer event (newer = later arrival, as at Regal).
 * - History is never rewritten: an earlier unresolved event stays unresolved even when its
 *   userId is later sent with a phone; only later events attach.
 * - Invalid phones (not E.164) are dropped with a warning, as Regal drops them after 200.
 */
import type { CustomEvent, EmailTrait, PhoneTrait } from '../../src/wire/schema';
import { isE164 } from './e164';

/** A phone as kept on a contact: the latest fields sent for it, plus who is primary. */
export type ContactPhone = PhoneTrait & { isPrimary: boolean };
/** An email as kept on a contact. */
export type ContactEmail = EmailTrait & { isPrimary: boolean };

/** One line of a contact's timeline. */
export interface TimelineEntry {
  seq: number;
  name?: string;
  originalTimestamp?: string;
  receivedAt: string;
}

export interface Contact {
  id: string;
  phones: ContactPhone[];
  emails: ContactEmail[];
  /** Every trait other than phones and emails (firstName, address, custom properties). */
  traits: Record<string, unknown>;
  /** Every userId this contact was sent with, in order of first appearance. */
  userIds: string[];
  events: TimelineEntry[];
}

/** An accepted event with its place in the record. */
export interface ArrivedEvent {
  seq: number;
  receivedAt: string;
  event: CustomEvent;
}

export interface Resolution {
  contactId: string | null;
  /** What Regal would silently ignore in this event (invalid phone, phone of another contact). */
  warnings: string[];
}

export interface ContactBook {
  /** Resolves the event to a contact (creating or updating it) and adds it to the timeline. */
  apply(arrived: ArrivedEvent): Resolution;
  /** A copy of every contact, in order of creation. */
  contacts(): Contact[];
}

/** Emails match regardless of case and surrounding spaces, as mail systems treat them. */
function emailKey(emailAddress: string): string {
  return emailAddress.trim().toLowerCase();
}

/** Primary first, then the others, each in the order sent: the resolution order. */
function primaryFirst<T extends { isPrimary?: boolean }>(items: T[]): T[] {
  const primary = items.filter((i) => i.isPrimary === true);
  return [...primary, ...items.filter((i) => i.isPrimary !== true)];
}

/** The event's phones that Regal would keep: E.164, each number once. */
function usablePhones(phones: PhoneTrait[] | undefined, warnings: string[]): PhoneTrait[] {
  const seen = new Set<string>();
  const kept: PhoneTrait[] = [];
  (phones ?? []).forEach((phone, index) => {
    if (!isE164(phone.phoneNumber)) {
      const value = JSON.stringify(phone.phoneNumber);
      warnings.push(
        `traits.phones.${index}.phoneNumber: ${value} is not E.164 (like +15551234567); ` +
          'dropped, as Regal does',
      );
    } else if (!seen.has(phone.phoneNumber)) {
      seen.add(phone.phoneNumber);
      kept.push(phone);
    }
  });
  return kept;
}

/** The event's emails: non-blank, each address once. */
function usableEmails(emails: EmailTrait[] | undefined, warnings: string[]): EmailTrait[] {
  const seen = new Set<string>();
  const kept: EmailTrait[] = [];
  (emails ?? []).forEach((email, index) => {
    const key = emailKey(email.emailAddress);
    if (key === '') {
      warnings.push(`traits.emails.${index}.emailAddress: blank; dropped`);
    } else if (!seen.has(key)) {
      seen.add(key);
      kept.push(email);
    }
  });
  return kept;
}

/**
 * Adds or updates the channels (phones or emails) of one contact, keeping exactly one
 * primary: the one the event marks primary, else the existing one, else the first.
 */
function mergeChannels<T extends { isPrimary?: boolean }>(
  kept: Array<T & { isPrimary: boolean }>,
  incoming: T[],
  keyOf: (item: T) => string,
): void {
  let primaryKey: string | undefined;
  for (const item of incoming) {
    const key = keyOf(item);
    const { isPrimary, ...fields } = item;
    const existing = kept.find((k) => keyOf(k) === key);
    // Assigning replaces each opt-in channel as a whole: a newer `smsOptIn` must not
    // inherit the timestamp of an older, different consent.
    if (existing) Object.assign(existing, fields);
    else kept.push({ ...item, isPrimary: false });
    if (isPrimary === true && primaryKey === undefined) primaryKey = key;
  }
  const current = kept.find((k) => k.isPrimary);
  primaryKey ??= current ? keyOf(current) : undefined;
  kept.forEach((k, index) => {
    k.isPrimary = primaryKey === undefined ? index === 0 : keyOf(k) === primaryKey;
  });
}

/**
 * @example
 * const book = createContactBook();
 * const phones = [{ phoneNumber: '+15551234567' }];
 * book.apply({ seq: 1, receivedAt: '2026-05-24T15:00:01Z', event: { traits: { phones } } });
 * // { contactId: 'contact_1', warnings: [] }
 */
export function createContactBook(): ContactBook {
  const contacts = new Map<string, Contact>();
  const phoneOwner = new Map<string, string>();
  const emailOwner = new Map<string, string>();
  // The contact a userId was most recently sent with: where a userId-only event attaches.
  const userIdContact = new Map<string, string>();
  let created = 0;

  function resolve(
    phones: PhoneTrait[],
    emails: EmailTrait[],
    userId: string | undefined,
  ): string | undefined {
    for (const phone of primaryFirst(phones)) {
      const owner = phoneOwner.get(phone.phoneNumber);
      if (owner) return owner;
    }
    for (const email of primaryFirst(emails)) {
      const owner = emailOwner.get(emailKey(email.emailAddress));
      if (owner) return owner;
    }
    return userId === undefined ? undefined : userIdContact.get(userId);
  }

  /** Identifiers already owned by another contact stay there; the event is told so. */
  function unclaimed<T>(
    items: T[],
    owners: Map<string, string>,
    keyOf: (item: T) => string,
    contactId: string,
    warnings: string[],
  ): T[] {
    return items.filter((item) => {
      const owner = owners.get(keyOf(item));
      if (owner === undefined || owner === contactId) return true;
      warnings.push(`${keyOf(item)} already belongs to ${owner}; not moved to ${contactId}`);
      return false;
    });
  }

  return {
    apply({ seq, receivedAt, event }) {
      const warnings: string[] = [];
      const { phones: rawPhones, emails: rawEmails, ...otherTraits } = event.traits;
      const phones = usablePhones(rawPhones, warnings);
      const emails = usableEmails(rawEmails, warnings);

      let contactId = resolve(phones, emails, event.userId);
      if (contactId === undefined) {
        if (phones.length === 0 && emails.length === 0) return { contactId: null, warnings };
        contactId = `contact_${++created}`;
        contacts.set(contactId, {
          id: contactId,
          phones: [],
          emails: [],
          traits: {},
          userIds: [],
          events: [],
        });
      }
      const contact = contacts.get(contactId)!;

      const phoneOf = (p: PhoneTrait) => p.phoneNumber;
      const newPhones = unclaimed(phones, phoneOwner, phoneOf, contactId, warnings);
      mergeChannels(contact.phones, newPhones, phoneOf);
      for (const phone of newPhones) phoneOwner.set(phone.phoneNumber, contactId);

      const emailOf = (e: EmailTrait) => emailKey(e.emailAddress);
      const newEmails = unclaimed(emails, emailOwner, emailOf, contactId, warnings);
      mergeChannels(contact.emails, newEmails, emailOf);
      for (const email of newEmails) emailOwner.set(emailKey(email.emailAddress), contactId);

      for (const [key, value] of Object.entries(otherTraits)) {
        if (value !== undefined) contact.traits[key] = value;
      }
      if (event.userId !== undefined) {
        if (!contact.userIds.includes(event.userId)) contact.userIds.push(event.userId);
        userIdContact.set(event.userId, contactId);
      }
      const { name, originalTimestamp } = event;
      contact.events.push({ seq, name, originalTimestamp, receivedAt });
      return { contactId, warnings };
    },
    contacts() {
      return structuredClone([...contacts.values()]);
    },
  };
}
