/**
 * One visitor across the subdomains of a site. IndexedDB and localStorage are per origin,
 * so what the other subdomains must know about the visitor (the anonymous id, the userId,
 * whether they are a contact, the last reset) is kept in the visitor cookie on the
 * registrable domain (visitor-cookie.ts), never a phone or an email. Events stay in each
 * origin's queue and leave from there, under the shared userId, which Regal's identity
 * resolution maps to the contact that the identify on the other subdomain created.
 *
 * This file keeps the tab's identity and the cookie in step: at load, when the tab syncs
 * with other tabs (each send, a held event), after an identify or reset here, and when the
 * cookie changes (`cookieStore`'s change event where there is one, else on focus; a tab
 * coming back into view syncs too).
 */
import type { ClientState } from '../client/state';
import type { StoredIdentity } from './identity-store';
import { cookieSticks, findCookieDomain } from './cookie-domain';
import { readVisitorCookie, writeVisitorCookie } from './visitor-cookie';
import { reconcileCookie, SETTLE_MS, type LocalVisitor } from './reconcile-cookie';
import { isContactable } from './identity';
import { derive, reassign, syncIdentity } from './identity-state';
import { writeIdentity } from './identity-store';
import { dropOnReset, heldBy, release } from '../hold/hold';
import { report } from '../client/report';
import { regalError } from '../errors';

/** The cookie's name: the storage name, so that two clients kept apart stay apart. */
const nameOf = (c: ClientState) => c._o.storageName.replace(/[^\w-]/g, '_');

/** Brings the tab's visitor and the cookie together (see reconcile-cookie.ts), carries out
 * what follows (held events moved or dropped), and rewrites the cookie when it must. */
export function syncCookie(c: ClientState): void {
  const i = c._identity;
  const domain = !c._destroyed && i.anonymousId && domainOf(c);
  if (!domain) return;
  const now = c._now();
  const last = i.cookie && i.cookie.a === i.anonymousId ? i.cookie : undefined;
  const contact = isContactable(i.traits) || !!(last && last.c);
  // Without a view of the cookie for this id yet: a reset here gives its time; else unknown.
  const at = i.resetAt || 0;
  const local: LocalVisitor = last
    ? { ...last, u: i.userId, c: contact, t: last.u !== i.userId || last.c !== contact ? now : last.t }
    : { a: i.anonymousId, u: i.userId, c: contact, r: at, t: at, b: at };
  const { next, write, change } = reconcileCookie(local, readVisitorCookie(nameOf(c)), now);
  let identity: StoredIdentity = i;
  if (change === 'reset') {
    // reset() on another subdomain: the visitor this tab knew leaves with their held events.
    dropOnReset(c);
    identity = c._identity = { anonymousId: next.a, userId: null, traits: {}, optedOut: i.optedOut, updatedAt: 0 };
  } else if (change) {
    // The same person under the cookie's id: their held events and buffered calls follow.
    const moved = heldBy(c._queue.list(), i.anonymousId);
    reassign(moved, i.anonymousId, { ...i, anonymousId: next.a, userId: next.u });
    for (const b of c._optOutBuffer) if (b.anon === i.anonymousId) b.anon = next.a;
    if (moved.length) c._queue.save(moved);
  }
  if (change || JSON.stringify(next) !== JSON.stringify(i.cookie) || next.u !== i.userId) {
    identity.anonymousId = next.a;
    identity.userId = next.u;
    identity.cookie = next;
    identity.updatedAt = now;
    writeIdentity(c._store, identity);
  }
  derive(c);
  if (write) writeVisitorCookie(nameOf(c), domain, next);
  // Contactable elsewhere, but too recently to send yet (see knownElsewhere): look again then.
  if (next.c && !c._contactable) setTimeout(() => (derive(c), release(c)), next.t + SETTLE_MS - now);
}

/** The cookie's domain, found once (at the first sync); '' for one visitor per origin. */
function domainOf(c: ClientState): string {
  if (c._cookieAt == null) {
    const wanted = c._o.cookieDomain;
    let domain = '';
    try {
      const host = location.hostname;
      if (wanted === 'auto') domain = findCookieDomain(host, cookieSticks) || '';
      else if (wanted && (host === wanted || host.endsWith('.' + wanted))) domain = wanted;
      else if (wanted) report(c, regalError('invalid_options', `cookieDomain ${wanted} does not contain ${host}: no cookie`, wanted));
    } catch {}
    c._cookieAt = domain;
    if (domain) watch(c);
  }
  return c._cookieAt;
}

/** Syncs when the cookie changes (another subdomain identified or reset the visitor). */
function watch(c: ClientState): void {
  const name = nameOf(c);
  const sync = () => {
    if (!c._loaded || c._destroyed) return;
    // At once, before the handlers of the click that brought the visitor back run: their
    // calls must be the current visitor's. (Not at every call: reading document.cookie
    // costs 10 to 20 µs in Chromium, more than a whole track call.)
    syncCookie(c);
    syncIdentity(c).then(() => release(c));
  };
  const onChange = (e: Event) => {
    const { changed, deleted } = e as Event & Record<'changed' | 'deleted', Array<{ name: string }>>;
    if ([...changed, ...deleted].some((x) => x.name === name)) sync();
  };
  // Chromium has cookieStore (in secure contexts); elsewhere a tab learns when it gets the
  // focus or comes back into view.
  const stopping = new AbortController();
  const signal = stopping.signal;
  (globalThis as { cookieStore?: EventTarget }).cookieStore?.addEventListener('change', onChange, { signal });
  addEventListener('focus', sync, { signal });
  document.addEventListener('visibilitychange', sync, { signal });
  const stop = c._stopLifecycle;
  c._stopLifecycle = () => (stop(), stopping.abort());
}
