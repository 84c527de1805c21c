/**
 * The visitor as this tab knows them: the identity, what follows from it (the stamp every
 * event carries, whether they are contactable), and keeping it in step with the store that
 * other tabs and later pages share (identity-store.ts). The rules for traits are identity.ts's.
 */
import type { ContactTraits } from '../../wire/schema';
import type { IdentifyTraits } from '../types';
import type { ClientState } from '../client/state';
import type { QueuedRecord } from '../queue/queue';
import { identifyEventTraits, identifyingTraits, isContactable, mergeTraits, normalizeTraits, type TraitContext } from './identity';
import { attributionTraits } from './attribution';
import { claimIdentity, readIdentity, writeIdentity, type StoredIdentity } from './identity-store';
import { adoptOptOut } from '../client/opt-out';
import { report } from '../client/report';
import { uuid } from '../lib/uuid';
import { knownElsewhere } from './reconcile-cookie';

type VisitorState = Pick<ClientState, '_identity' | '_stamp' | '_stampBytes' | '_contactable' | '_now'>;

/** A new visitor: a fresh anonymous id, nothing known. */
export const newIdentity = (updatedAt: number, optedOut?: boolean): StoredIdentity => ({ anonymousId: uuid(), userId: null, traits: {}, optedOut, updatedAt });

/** The stamp and contactability follow from the traits: worked out once per change, not per event. */
export function derive(c: VisitorState): void {
  c._stamp = identifyingTraits(c._identity.traits);
  c._stampBytes = JSON.stringify(c._stamp).length;
  c._contactable = isContactable(c._identity.traits) || knownElsewhere(c._identity.cookie, c._identity.anonymousId, c._now());
}

/** Stores the tab's identity as its newest version (for other tabs and later pages). */
export function saveIdentity(c: VisitorState & Pick<ClientState, '_store' | '_share'>): Promise<void> {
  c._identity.updatedAt = c._now();
  derive(c);
  // Other subdomains learn a new userId, a contact, a reset (one visitor across them).
  c._share?.(c as ClientState);
  return writeIdentity(c._store, c._identity);
}

/** reset(): a new visitor in the visitor's place (the opt-out choice stays), stored. */
export function forgetVisitor(c: VisitorState & Pick<ClientState, '_store' | '_share'>): Promise<void> {
  c._identity = newIdentity(0, c._identity.optedOut);
  // The other subdomains start over too (sync-cookie.ts tells them when).
  c._identity.resetAt = c._now();
  return saveIdentity(c);
}

/** Whether `saved` (another tab's) replaces `mine`: newer, or written in the same
 * millisecond and different (then the stored one wins, so that every tab agrees). */
export const isNewer = (saved: StoredIdentity, mine: StoredIdentity) =>
  saved.updatedAt > mine.updatedAt || (saved.updatedAt === mine.updatedAt && JSON.stringify(saved) !== JSON.stringify(mine));

/** Adopts the identity another tab saved since (an identify, reset, optOut or optIn there). */
export async function syncIdentity(c: ClientState): Promise<void> {
  const saved = await readIdentity(c._store);
  if (saved && isNewer(saved, c._identity)) {
    c._identity = saved;
    derive(c);
    adoptOptOut(c, saved.optedOut);
  }
  c._share?.(c);
}

/**
 * Reads the stored visitor at load (or stores a new one). Calls that already ran under a
 * provisional identity (the page was leaving before storage answered) keep what they learnt,
 * and their events go to the stored visitor.
 */
export async function loadIdentity(c: ClientState): Promise<void> {
  const fresh = newIdentity(c._now());
  const saved = await claimIdentity(c._store, fresh);
  if (saved && saved.anonymousId && saved !== fresh) {
    const early = c._provisional && c._identity;
    c._identity = saved;
    if (early) {
      saved.userId = early.userId || saved.userId;
      saved.traits = mergeTraits(saved.traits, early.traits);
      reassign(c._queue.list(), early.anonymousId, saved);
    }
  } else if (!c._provisional) c._identity = fresh;
}

/** Gives the events of the anonymous visitor `from` to `to`. */
export function reassign(records: QueuedRecord[], from: string, to: StoredIdentity): void {
  for (const r of records) {
    if (r.anon !== from) continue;
    r.anon = to.anonymousId;
    if (r.event.userId === from) r.event.userId = to.userId || to.anonymousId;
  }
}

/**
 * Applies an identify to the visitor and stores the result. Returns the traits its event
 * sends, or undefined when it changes nothing. Each invalid trait is reported; when nothing
 * valid is left, the first one is thrown (the call's error).
 */
export function identifyVisitor(c: ClientState, userId: string | undefined, given: IdentifyTraits, ctx: TraitContext): ContactTraits | undefined {
  const { traits: update, errors } = normalizeTraits(given, ctx);
  for (const e of errors) report(c, e);
  const identity = c._identity;
  const userChanged = userId != null && userId.trim() !== '' && userId !== identity.userId;
  if (userChanged) identity.userId = userId;
  if (!Object.keys(update).length && !userChanged) {
    if (errors.length) throw errors[0];
    return undefined;
  }
  identity.traits = mergeTraits(identity.traits, update);
  saveIdentity(c);
  return { ...attributionTraits(identity.touches), ...identifyEventTraits(identity.traits, update) };
}
