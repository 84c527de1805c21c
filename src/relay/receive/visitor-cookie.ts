/**
 * The relay renews the browser SDK's visitor cookie in its answers. Safari caps cookies
 * written by scripts (`document.cookie`) at 7 days; a cookie set by a first-party server's
 * `Set-Cookie` keeps the lifetime it was given. So a visitor who comes back to Safari
 * after a week is still the visitor the site knew (the same anonymous id and userId, known
 * as contactable), as long as the SDK had talked to the relay before they left: the relay
 * sees the cookie only on the requests the SDK sends it, which for a visitor who has not
 * left a phone or an email yet (their events held in the browser) may be none.
 *
 * Only a value the SDK wrote is renewed, unchanged, on the domain the site set for it.
 */
import { decodeVisitor, encodeVisitor, VISITOR_COOKIE_MAX_AGE } from '../../browser/identity/visitor-cookie';

export interface VisitorCookieOptions {
  /**
   * The registrable domain the browser SDK keeps the cookie on: what its `cookieDomain`
   * found (`'auto'`) or was given, e.g. `example.com` for `www.example.com` and
   * `apply.example.com`. Requests to other hosts get no cookie.
   */
  domain: string;
  /** The cookie's name: the SDK's `storageName`. Default `regal-browser`. */
  name?: string;
}

export interface VisitorCookieConfig {
  domain: string;
  name: string;
}

/** Checks `visitorCookie` at startup (createRelay throws on a wrong one). */
export function resolveVisitorCookie(options: VisitorCookieOptions | undefined): VisitorCookieConfig | undefined {
  if (options === undefined) return;
  const domain = typeof options?.domain === 'string' ? options.domain.replace(/^\./, '').toLowerCase() : '';
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(domain)) {
    throw new TypeError(`createRelay: visitorCookie.domain must be the site's domain, like 'example.com', got ${JSON.stringify(options?.domain)}`);
  }
  const name = options.name ?? 'regal-browser';
  if (typeof name !== 'string' || !/^[\w-]+$/.test(name)) {
    throw new TypeError(`createRelay: visitorCookie.name must be the SDK's storageName (letters, digits, _ and -), got ${JSON.stringify(name)}`);
  }
  return { domain, name };
}

/**
 * The `Set-Cookie` value that renews the visitor cookie `request` carries, for a year;
 * undefined when it carries none the SDK wrote, or was sent to a host outside the domain.
 */
export function renewVisitorCookie(config: VisitorCookieConfig, request: Request): string | undefined {
  const host = (request.headers.get('host') ?? '').replace(/:\d+$/, '').toLowerCase();
  if (host !== config.domain && !host.endsWith('.' + config.domain)) return;
  let newest: { value: string; t: number } | undefined;
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (pair.slice(0, at).trim() !== config.name) continue;
    const value = pair.slice(at + 1).trim();
    const visitor = decodeVisitor(value);
    // Exactly as the SDK writes it: nothing else is echoed back to the browser.
    if (visitor && encodeVisitor(visitor) === value && (!newest || visitor.t > newest.t)) newest = { value, t: visitor.t };
  }
  if (!newest) return;
  // Secure when the page is https (a proxy in front may have ended TLS: the Origin says).
  const secure = /^https:/.test(request.headers.get('origin') ?? request.url) || request.headers.get('x-forwarded-proto') === 'https';
  return `${config.name}=${newest.value}; Domain=${config.domain}; Path=/; Max-Age=${VISITOR_COOKIE_MAX_AGE}; SameSite=Lax${secure ? '; Secure' : ''}`;
}
