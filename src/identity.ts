/**
 * Who the visitor is: the pure rules for traits. Storage of the identity is the client's.
 *
 * Regal resolves a contact by primary phone > other phone > primary email > other email >
 * userId, and a contact exists only once it has a phone or an email; so the identifying
 * traits are the primary phone and email, and "contactable" means having either.
 */
import type { ContactTraits, EmailTrait, PhoneTrait } from './schema';
import type { IdentifyTraits, RegalError } from './types';
import { normalizePhone } from './phone';
import { normalizeEmail } from './email';
import { stampOptIn } from './consent';
import { regalError } from './errors';
import { isPlainObject, toJsonSafe } from './json-safe';

export interface Identity {
  anonymousId: string;
  userId: string | null;
  /** The whole profile as last identified (opt-ins included, as they were captured). */
  traits: ContactTraits;
}

export interface TraitContext {
  defaultCountry: string;
  /** When consent was given (the identify call's time), ISO 8601. */
  timestamp: string;
  /** Where consent was given: the page URL. */
  source: string;
}

/** A visitor Regal can hold as a contact: one with a phone or an email. */
export function isContactable(traits: ContactTraits): boolean {
  return !!((traits.phones && traits.phones.length) || (traits.emails && traits.emails.length));
}

/**
 * What every later event carries: the primary phone and email only, without opt-ins, so
 * that consent is asserted once (at identify) and not re-sent with every click.
 */
export function identifyingTraits(traits: ContactTraits): ContactTraits {
  const out: ContactTraits = {};
  const phone = primary(traits.phones);
  const email = primary(traits.emails);
  if (phone) out.phones = [{ phoneNumber: phone.phoneNumber, isPrimary: true }];
  if (email) out.emails = [{ emailAddress: email.emailAddress, isPrimary: true }];
  return out;
}

function primary<T extends { isPrimary?: boolean }>(list: T[] | undefined): T | undefined {
  return list && (list.find((x) => x.isPrimary) || list[0]);
}

/** Phones and emails follow the same rules; this table is what differs between them. */
const CHANNELS = [
  ['phones', 'phone', 'phoneNumber', ['voiceOptIn', 'smsOptIn'], 'invalid_phone'],
  ['emails', 'email', 'emailAddress', ['emailOptIn'], 'invalid_email'],
] as const;

/**
 * Turns what `identify` was given (Regal's shapes or the `phone` / `email` / `name`
 * shorthands) into Regal traits: phones in E.164, emails checked, opt-ins stamped with the
 * time and page of consent. Invalid phones and emails are left out and reported, never sent.
 */
export function normalizeTraits(input: IdentifyTraits, ctx: TraitContext): { traits: ContactTraits; errors: RegalError[] } {
  const errors: RegalError[] = [];
  const { phone, email, name, phones, emails, ...rest } = input;
  const traits: Record<string, unknown> = isPlainObject(rest) ? toJsonSafe(rest).value : {};
  if (typeof name == 'string' && name.trim() && !traits.firstName && !traits.lastName) {
    const [first, ...others] = name.trim().split(/\s+/);
    traits.firstName = first;
    if (others.length) traits.lastName = others.join(' ');
  }
  for (const [list, shorthand, key, optIns, code] of CHANNELS) {
    const given: Array<Record<string, any>> = Array.isArray(input[list]) ? (input[list] as []).slice() : [];
    if (input[shorthand] != null) given.push({ [key]: input[shorthand], isPrimary: !given.some((x) => x && x.isPrimary) });
    const out: Keyed[] = [];
    for (const x of given) {
      const raw = x && x[key];
      const value = typeof raw == 'string' ? (list == 'phones' ? normalizePhone(raw, ctx.defaultCountry) : normalizeEmail(raw)) : null;
      if (!value) {
        errors.push(regalError(code, `Invalid ${shorthand}: "${raw}"${list == 'phones' ? ` (E.164 or a ${ctx.defaultCountry} number)` : ''}`, raw));
        continue;
      }
      const item: Record<string, unknown> = { [key]: value };
      if (x.isPrimary != null) item.isPrimary = !!x.isPrimary;
      if (typeof x.label == 'string') item.label = x.label;
      for (const optIn of optIns) {
        const stamped = stampOptIn(x[optIn], ctx);
        if (stamped) item[optIn] = stamped;
      }
      upsert(out, item as Keyed, key);
    }
    if (out.length) traits[list] = out;
    else delete traits[list];
  }
  return { traits, errors };
}

/**
 * Merges an identify's traits into the profile: phones and emails without duplicates and
 * with exactly one primary each (a newly flagged primary wins; otherwise the first stays),
 * opt-ins merged per number/address, every other trait overwritten by the newer value.
 */
export function mergeTraits(profile: ContactTraits, update: ContactTraits): ContactTraits {
  const merged: ContactTraits = { ...profile, ...update };
  if (profile.phones || update.phones) merged.phones = mergeList(profile.phones || [], update.phones || [], 'phoneNumber');
  if (profile.emails || update.emails) merged.emails = mergeList(profile.emails || [], update.emails || [], 'emailAddress');
  if (profile.address && update.address) merged.address = { ...profile.address, ...update.address };
  return merged;
}

/**
 * The traits an identify event sends: what it was given, plus the profile's primary phone
 * and email so that Regal resolves the same contact even when the call named only a
 * secondary number or just a first name.
 */
export function identifyEventTraits(merged: ContactTraits, update: ContactTraits): ContactTraits {
  const base = identifyingTraits(merged);
  const out: ContactTraits = { ...update };
  out.phones = pick(merged.phones, update.phones, 'phoneNumber');
  out.emails = pick(merged.emails, update.emails, 'emailAddress');
  if (!out.phones) delete out.phones;
  if (!out.emails) delete out.emails;
  return { ...base, ...out };
}

type Keyed = PhoneTrait | EmailTrait;

function pick<T extends Keyed>(merged: T[] | undefined, update: T[] | undefined, key: keyof T): T[] | undefined {
  if (!merged || !merged.length) return undefined;
  const given = new Map((update || []).map((x) => [x[key], x]));
  const list = merged.filter((x) => x.isPrimary || given.has(x[key]));
  // Opt-ins travel only with the entry that was given now, never re-asserted from the profile.
  return list.map((x) => {
    const fresh = given.get(x[key]);
    return fresh ? { ...fresh, isPrimary: !!x.isPrimary } : { [key]: x[key], isPrimary: !!x.isPrimary } as T;
  });
}

function upsert<T extends Keyed>(list: T[], item: T, key: keyof T): void {
  const i = list.findIndex((x) => x[key] === item[key]);
  if (i < 0) list.push(item);
  else list[i] = { ...list[i], ...item };
}

function mergeList<T extends Keyed>(old: T[], fresh: T[], key: keyof T): T[] {
  const out = old.map((x) => ({ ...x }));
  for (const item of fresh) upsert(out, item, key);
  const flagged = fresh.find((x) => x.isPrimary) || out.find((x) => x.isPrimary) || out[0];
  for (const x of out) x.isPrimary = x[key] === (flagged && flagged[key]);
  return out;
}
