/**
 * The visitor cookie: what every subdomain of a site must agree on about the visitor,
 * kept on the registrable domain because IndexedDB and localStorage are per origin.
 * Only ids and flags: never a phone, an email or any other trait (a cookie travels with
 * every request to the site, and is readable by every subdomain's scripts).
 *
 * Compact, because it rides on every request: `1|<anonymousId>|<flags>|<r>|<t>|<userId>`,
 * the times in base 36, the ids URI-encoded (so `|` never occurs inside a field and every
 * character is valid in a cookie), the userId left empty when there is none: 45 to 52
 * characters for an anonymous visitor, 58 for a contact with the userId `user-7`.
 */

/** The visitor as all subdomains share it. */
export interface SharedVisitor {
  /** The anonymous id. */
  a: string;
  /** The userId given to `identify`, if any. */
  u: string | null;
  /** Contactable: some subdomain knows a phone or an email for this visitor. */
  c: boolean;
  /** When `reset()` last started a new visitor, on any subdomain (ms since the epoch; 0: never). */
  r: number;
  /** When `a`, `u` or `c` last changed (ms since the epoch): the newer userId wins. */
  t: number;
}

/** One year, as Segment and PostHog keep theirs; Safari caps a script-written cookie at 7 days. */
export const VISITOR_COOKIE_MAX_AGE = 31_536_000;

const enc = encodeURIComponent;

export function encodeVisitor(v: SharedVisitor): string {
  return ['1', enc(v.a), +v.c, v.r.toString(36), v.t.toString(36), enc(v.u || '')].join('|');
}

/** The visitor in a cookie value, or undefined for anything this version did not write. */
export function decodeVisitor(value: string): SharedVisitor | undefined {
  const f = /^1\|([^|]+)\|([01])\|([\da-z]+)\|([\da-z]+)\|([^|]*)$/.exec(value);
  try {
    if (f) return { a: decodeURIComponent(f[1]), u: decodeURIComponent(f[5]) || null, c: f[2] === '1', r: parseInt(f[3], 36), t: parseInt(f[4], 36) };
  } catch {}
}

/** Every value of the cookies named `name` this page can read (a host-only and a domain
 * cookie of one name can both be present). Throws where `document.cookie` does. */
export function readCookies(name: string): string[] {
  return document.cookie
    .split('; ')
    .filter((pair) => pair.startsWith(name + '='))
    .map((pair) => pair.slice(name.length + 1));
}

/** The newest visitor among the cookies named `name`; undefined when there is none or
 * cookies cannot be read. */
export function readVisitorCookie(name: string): SharedVisitor | undefined {
  let newest: SharedVisitor | undefined;
  try {
    for (const value of readCookies(name)) {
      const v = decodeVisitor(value);
      if (v && (!newest || v.t > newest.t)) newest = v;
    }
  } catch {}
  return newest;
}

/** Sets the cookie on `domain` for a year: SameSite=Lax, Secure on https pages. */
export function writeVisitorCookie(name: string, domain: string, v: SharedVisitor): void {
  try {
    document.cookie = `${name}=${encodeVisitor(v)}; Domain=${domain}; Path=/; Max-Age=${VISITOR_COOKIE_MAX_AGE}; SameSite=Lax${location.protocol === 'https:' ? '; Secure' : ''}`;
  } catch {}
}
