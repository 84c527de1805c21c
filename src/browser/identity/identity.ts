/**
 * Who the visitor is: the pure rules for traits. The tab's copy of the identity is
 * identity-state.ts's, the stored one identity-store.ts's.
 *
 * Regal resolves a contact by primary phone > other phone > primary email > other email >
 * userId, and a contact exists only once it has a phone or an email; so the identifying
 * traits are the primary phone and email, and "contactable" means having either.
 */
import type { ContactTraits, EmailTrait, PhoneTrait } from '../../wire/schema';
import type { ErrorCode, IdentifyTraits, RegalError } from '../types';
import { normalizePhone } from './phone';
import { normalizeEmail } from './email';
import { stampOptIn } from './consent';
import { splitName } from './split-name';
import { checkLeadTokens } from './lead-tokens';
import { regalError } from '../errors';
import { toJsonSafe } from '../lib/json-safe';

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
  return !!(traits.phones?.length || traits.emails?.length);
}

type Keyed = PhoneTrait | EmailTrait;
type List = 'phones' | 'emails';
type Key = 'phoneNumber' | 'emailAddress';

/** Phones and emails follow the same rules; this table is what differs between them. */
const CHANNELS: ReadonlyArray<readonly [List, 'phone' | 'email', Key, readonly string[], ErrorCode, (raw: string, country: string) => string | null]> = [
  ['phones', 'phone', 'phoneNumber', ['voiceOptIn', 'smsOptIn'], 'invalid_phone', normalizePhone],
  ['emails', 'email', 'emailAddress', ['emailOptIn'], 'invalid_email', normalizeEmail],
];

// The helpers below index traits by a channel's list and key names; `any` there keeps the
// table-driven code (one loop for phones and emails, the smallest form in the bundle) free of casts.
type AnyTraits = Record<string, any>;

/** The entry flagged primary, else the first. */
const primary = (list: AnyTraits[] | undefined) => list && (list.find((x) => x.isPrimary) || list[0]);

/**
 * What every later event carries: the primary phone and email only, without opt-ins, so
 * that consent is asserted once (at identify) and not re-sent with every click.
 */
export function identifyingTraits(traits: ContactTraits): ContactTraits {
  const out: AnyTraits = {};
  for (const [list, , key] of CHANNELS) {
    const x = primary(traits[list]);
    if (x) out[list] = [{ [key]: x[key], isPrimary: true }];
  }
  return out;
}

/**
 * Turns what `identify` was given (Regal's shapes or the `phone` / `email` / `name`
 * shorthands) into Regal traits: phones in E.164, emails checked, opt-ins stamped with the
 * time and page of consent. Invalid phones and emails are left out and reported, never sent.
 */
export function normalizeTraits(input: IdentifyTraits, ctx: TraitContext): { traits: ContactTraits; errors: RegalError[] } {
  const errors: RegalError[] = [];
  const { phone, email, name, phones, emails, ...rest } = input;
  // Top-level opt-ins go with the shorthand they consent for (`{phone, smsOptIn: true}`).
  const shorthandOptIns: AnyTraits = {};
  for (const [, shorthand, , optIns] of CHANNELS)
    for (const optIn of optIns) if (input[shorthand] != null && optIn in rest) (shorthandOptIns[optIn] = rest[optIn]), delete rest[optIn];
  // `rest` is a fresh plain object (phones and emails taken out above).
  const traits: AnyTraits = toJsonSafe(rest).value;
  // Lead-certificate tokens of the wrong shape are left out, never sent.
  checkLeadTokens(traits, errors);
  // The names and the address are strings on the wire: numbers (a zipcode) become strings,
  // anything else is left out (and reported unless it was null), never sent.
  const strings = (where: AnyTraits, keys: string[], path = '') => {
    for (const key of keys) {
      const value = where[key];
      if (typeof value === 'number') where[key] = '' + value;
      else if (value != null && typeof value !== 'string') errors.push(regalError('invalid_traits', path + key + ' must be a string', value));
      if (typeof where[key] !== 'string') delete where[key];
    }
  };
  strings(traits, ['firstName', 'lastName']);
  const address = traits.address;
  if (address && typeof address === 'object' && !Array.isArray(address)) strings(address, ['street', 'city', 'state', 'zipcode', 'country'], 'address.');
  else if (address !== undefined) {
    if (address !== null) errors.push(regalError('invalid_traits', 'address must be an object', address));
    delete traits.address;
  }
  const full = typeof name === 'string' && name.trim();
  if (full && !traits.firstName && !traits.lastName) Object.assign(traits, splitName(full));
  for (const [list, shorthand, key, optIns, code, normalize] of CHANNELS) {
    const given: AnyTraits[] = Array.isArray(input[list]) ? (input[list] as []).slice() : [];
    if (input[shorthand] != null) given.push({ ...shorthandOptIns, [key]: input[shorthand], isPrimary: !given.some((x) => x && x.isPrimary) });
    const out: Keyed[] = [];
    for (const x of given) {
      const raw = x && x[key];
      const value = (typeof raw === 'string' || typeof raw === 'number') && normalize(String(raw), ctx.defaultCountry);
      if (!value) {
        // The value is in `error.value`, never in the message: messages end up in logs.
        errors.push(regalError(code, `Invalid ${shorthand}, left out${list === 'phones' ? ` (expected E.164 or a ${ctx.defaultCountry} number)` : ''}`, raw));
        continue;
      }
      const item: AnyTraits = { [key]: value };
      if (x.isPrimary != null) item.isPrimary = !!x.isPrimary;
      if (typeof x.label === 'string') item.label = x.label;
      for (const optIn of optIns) {
        const stamped = stampOptIn(x[optIn], ctx);
        if (stamped) item[optIn] = stamped;
        else if (x[optIn] != null) errors.push(regalError('invalid_traits', optIn + ' must be true, false or {subscribed}', x[optIn]));
      }
      upsert(out, item as Keyed, key);
    }
    if (out.length) traits[list] = out;
  }
  return { traits, errors };
}

/**
 * Merges an identify's traits into the profile: phones and emails without duplicates and
 * with exactly one primary each (a newly flagged primary wins; otherwise the first stays),
 * opt-ins merged per number/address, every other trait overwritten by the newer value.
 */
export function mergeTraits(profile: ContactTraits, update: ContactTraits): ContactTraits {
  const merged: AnyTraits = { ...profile, ...update };
  for (const [list, , key] of CHANNELS) {
    const old: AnyTraits[] | undefined = profile[list];
    const fresh: AnyTraits[] | undefined = update[list];
    if (old || fresh) {
      const out = (old || []).map((x) => ({ ...x }));
      for (const item of fresh || []) upsert(out, item, key);
      const flagged = (fresh || []).find((x) => x.isPrimary) || primary(out);
      for (const x of out) x.isPrimary = x[key] === flagged?.[key];
      merged[list] = out;
    }
  }
  if (profile.address && update.address) merged.address = { ...profile.address, ...update.address };
  return merged;
}

/**
 * The traits an identify event sends: what it was given, plus the profile's primary phone
 * and email so that Regal resolves the same contact even when the call named only a
 * secondary number or just a first name.
 */
export function identifyEventTraits(merged: ContactTraits, update: ContactTraits): ContactTraits {
  const out: AnyTraits = { ...update };
  for (const [list, , key] of CHANNELS) {
    const items: AnyTraits[] | undefined = merged[list];
    const given = new Map((update[list] || []).map((x: AnyTraits) => [x[key], x]));
    // The primary and the entries given now; opt-ins travel only with an entry given now,
    // never re-asserted from the profile.
    if (items && items.length)
      out[list] = items.filter((x) => x.isPrimary || given.has(x[key])).map((x) => ({ ...(given.get(x[key]) || { [key]: x[key] }), isPrimary: !!x.isPrimary }));
    else delete out[list];
  }
  return { ...identifyingTraits(merged), ...out };
}

/** Adds `item` to `list`, or merges it into the entry with the same number/address. */
function upsert(list: AnyTraits[], item: AnyTraits, key: Key): void {
  const i = list.findIndex((x) => x[key] === item[key]);
  if (i < 0) list.push(item);
  else list[i] = { ...list[i], ...item };
}
