/**
 * The site's registrable domain (`example.com` for `www.example.com`, `example.co.uk` for
 * `apply.example.co.uk`), found without shipping the public suffix list: browsers refuse a
 * cookie whose Domain is a public suffix, so the shortest parent domain on which a test
 * cookie sticks is the site. Segment, PostHog and RudderStack find it the same way.
 */
import { readCookies } from './visitor-cookie';

/**
 * The shortest parent domain of `hostname` (itself included) for which `sticks` is true;
 * undefined for an IP address or a single-label host (`localhost`), which have no parent
 * to share, and when no level takes a cookie (cookies refused, a sandboxed iframe).
 *
 * @example
 * findCookieDomain('apply.example.co.uk', cookieSticks) // 'example.co.uk'
 */
export function findCookieDomain(hostname: string, sticks: (domain: string) => boolean): string | undefined {
  // IPv4 (all digits and dots), IPv6 (colons) and single labels: nothing to search.
  if (/^[\d.]*$|:|^[^.]*$/.test(hostname)) return;
  const labels = hostname.split('.');
  for (let i = labels.length - 2; i >= 0; i--) {
    const domain = labels.slice(i).join('.');
    if (sticks(domain)) return domain;
  }
}

/**
 * Whether the browser keeps a cookie set on `domain` from this page: sets a probe with a
 * random value (a leftover probe of another library must not count), reads it back, and
 * removes it. False where `document.cookie` throws (sandboxed iframes, `data:` pages).
 */
export function cookieSticks(domain: string): boolean {
  const name = '_regal_probe';
  const value = Math.random().toString(36).slice(2);
  const where = `; Domain=${domain}; Path=/; SameSite=Lax`;
  try {
    document.cookie = `${name}=${value}${where}`;
    const stuck = readCookies(name).includes(value);
    if (stuck) document.cookie = `${name}=${where}; Max-Age=0`;
    return stuck;
  } catch {
    return false;
  }
}
