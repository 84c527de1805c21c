/**
 * How one origin's idea of the visitor and the visitor cookie (shared by every subdomain)
 * come together. Pure: the client reads the cookie, calls this, and carries out the result.
 */
import type { SharedVisitor } from './visitor-cookie';

/** This origin's view: the shared fields as it last knew them, and when its anonymous id
 * began here (created, or taken from the cookie; 0 when not known). */
export interface LocalVisitor extends SharedVisitor {
  b: number;
}

/**
 * How long events wait after the visitor became contactable on another subdomain: that
 * subdomain's identify must reach Regal first, because an event Regal cannot resolve to a
 * contact when it arrives stays unresolved. The identify leaves at once (with keepalive
 * when a form navigates); this covers a slow network.
 */
export const SETTLE_MS = 5000;

/** Contactable through the cookie: another subdomain knows a phone or an email for `anon`,
 * since at least SETTLE_MS. */
export const knownElsewhere = (v: LocalVisitor | undefined, anon: string, now: number) => !!v && v.a === anon && v.c && v.t + SETTLE_MS <= now;

export interface Reconciled {
  /** The visitor this origin goes on with. */
  next: LocalVisitor;
  /** The cookie must be (re)written with `next`. */
  write: boolean;
  /**
   * The anonymous id changed. `merge`: the same person under the cookie's id (two
   * subdomains that each began a visitor before either had written the cookie, or visits
   * from before the cookie existed): held events move to the new id, traits stay. `reset`:
   * `reset()` ran on another subdomain (or the cookie names another contact): the old
   * visitor's held events are dropped and its traits forgotten, never sent as the new one.
   */
  change?: 'merge' | 'reset';
}

/**
 * @example
 * // reset() on apply.example.com after www's visitor began: www starts over too
 * reconcileCookie({ a: 'old', u: null, c: false, r: 0, t: 1, b: 1 }, { a: 'new', u: null, c: false, r: 5, t: 5 }, 9)
 * // { next: { a: 'new', ..., b: 9 }, write: false, change: 'reset' }
 */
export function reconcileCookie(local: LocalVisitor, shared: SharedVisitor | undefined, now: number): Reconciled {
  // No cookie yet (first visit, or it expired, or Safari's 7-day cap removed it): ours. Any
  // reset would have written one, so an id this origin knew without a view of the cookie
  // (an identity from before it existed) is taken as begun now.
  if (!shared) return { next: { ...local, b: local.b || now }, write: true };
  let next: LocalVisitor;
  let change: Reconciled['change'];
  if (shared.a === local.a) {
    const [newer, older] = shared.t > local.t ? [shared, local] : [local, shared];
    // Contactable stays true until a reset (which changes the id); the newer userId wins.
    next = { ...local, u: newer.u ?? older.u, c: shared.c || local.c, t: newer.t };
  } else if (local.r && local.r >= shared.t) {
    // reset() here after the cookie's visitor was last changed (in the same millisecond too:
    // identify() then reset() in one handler): ours is the new one.
    return { next: local, write: true };
  } else if (shared.r > local.b) {
    // A reset after this id began here: the visitor this origin knew is gone.
    return { next: { ...shared, b: now }, write: false, change: 'reset' };
  } else {
    // Two ids that began apart, without a reset between. The one Regal knows as a contact
    // wins, else the cookie's. Two contacts are two people: the loser's is not carried over.
    const mine = local.c && !shared.c;
    const [win, lose] = mine ? [local, shared] : [shared, local];
    next = { ...win, u: win.u ?? (lose.c ? null : lose.u), b: mine ? local.b : now };
    // Changed for the other subdomains: now. The cookie's visitor as it was: its time stays
    // (it says, among other things, how long ago they became a contact).
    if (mine || next.u !== shared.u) next.t = now;
    if (!mine) change = local.c ? 'reset' : 'merge';
  }
  next.r = Math.max(shared.r, local.r);
  // The time only orders userIds. A write for it alone would cost a cookie the relay set for
  // a year its lifetime: Safari caps every script-written cookie to 7 days.
  const write = next.a !== shared.a || next.u !== shared.u || next.c !== shared.c || next.r !== shared.r;
  return { next, write, change };
}
