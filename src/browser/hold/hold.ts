/**
 * What is held, and when it is released.
 *
 * An anonymous visitor's events are held (stored, not sent) until the visitor gives a phone
 * or an email (`holdUntilContactable`, on by default): Regal can only attach events to a
 * contact, so sending them earlier would lose them. Then they are released: stamped with
 * who the visitor turned out to be (the primary phone and email, the userId) and sent.
 *
 * - Held: every call of a visitor who is not contactable (`isHeld`).
 * - Released: when this visitor becomes contactable, by an identify here or in another tab
 *   (a held event makes the tab look at the stored identity soon, not only at its next
 *   send), or at load when an earlier visit's events find the visitor known by now.
 * - Only to the visitor who made them: each record keeps the anonymous id it was made
 *   under, and reset() drops the held events of the visitor it forgets (as `reset`), so
 *   they are never stamped with the next visitor's phone.
 */
import type { QueuedRecord } from '../queue/queue';
import type { ContactTraits } from '../../wire/schema';
import type { ClientState } from '../client/state';
import type { StoredIdentity } from '../identity/identity-store';
import { syncIdentity } from '../identity/identity-state';
import { takeOptOutBuffer } from '../client/opt-out';
import { drop } from '../client/outcomes';

/** Whether a call made now is held: the visitor cannot be contacted yet. */
export const isHeld = (c: Pick<ClientState, '_o' | '_contactable'>) => c._o.holdUntilContactable && !c._contactable;

/** Makes a held record of `identity` sendable, stamped with who they turned out to be;
 * false (and the record untouched) when it is not theirs or not held. */
export function stampRelease(r: QueuedRecord, identity: StoredIdentity, stamp: ContactTraits): boolean {
  if (!r.held || r.anon !== identity.anonymousId) return false;
  r.held = false;
  r.event.traits = { ...r.event.traits, ...stamp };
  // Made while anonymous: it goes to the userId they have now.
  if (identity.userId && r.event.userId === r.anon) r.event.userId = identity.userId;
  r.bytes = JSON.stringify(r.event).length;
  return true;
}

/** Held events of this visitor become sendable once they are contactable; stored, then sent. */
export function release(c: Pick<ClientState, '_contactable' | '_destroyed' | '_queue' | '_identity' | '_stamp' | '_flusher'>): void {
  if (!c._contactable || c._destroyed) return;
  const changed = c._queue.list().filter((r) => stampRelease(r, c._identity, c._stamp));
  if (changed.length) c._queue.save(changed).then(() => c._flusher.schedule(0));
}

/** The events `anon` holds, which leave with them when they are reset. */
export const heldBy = (records: QueuedRecord[], anon: string) => records.filter((r) => r.held && r.anon === anon);

/** reset(): the visitor being forgotten takes their held events (and the calls kept while
 * opted out) with them, dropped as `reset`, so that nothing of theirs is ever stamped with
 * the next visitor. */
export function dropOnReset(c: ClientState): void {
  const anon = c._identity.anonymousId;
  const left = heldBy(c._queue.list(), anon);
  c._queue.remove(left);
  const gone = [...left, ...takeOptOutBuffer(c, anon).map((b) => ({ event: { messageId: b.messageId } }) as QueuedRecord)];
  if (gone.length) drop(c, 'reset', gone);
}

/**
 * A held event may belong to a visitor another tab has identified meanwhile: look at the
 * stored identity soon (one read, at most once per flush interval), not only at the next send.
 */
export function releaseSoon(c: ClientState): void {
  c._syncSoon ||= setTimeout(() => {
    c._syncSoon = undefined;
    if (!c._destroyed) syncIdentity(c).then(() => release(c));
  }, c._o.flushIntervalMs);
}
