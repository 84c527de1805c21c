/**
 * Which web pages may post to the relay (the `Origin` check) and the CORS headers that go
 * with it.
 *
 * The check keeps other web sites from filling your Regal account from their visitors'
 * browsers. It is not authentication: a request without `Origin` (curl, a server) passes.
 */

/** `'*'`, or a set of normalised origins such as `https://www.example.com`. */
export type OriginAllowList = '*' | ReadonlySet<string>;

/** Validates and normalises `allowedOrigins` once, at `createRelay` time. */
export function toOriginAllowList(allowedOrigins: string[] | '*' | undefined): OriginAllowList {
  if (allowedOrigins === '*') return '*';
  const origins = new Set<string>();
  for (const entry of allowedOrigins ?? []) {
    if (entry === 'null') {
      origins.add('null'); // sandboxed iframes and file: pages send the literal "null"
      continue;
    }
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = 'null';
    }
    if (origin === 'null') {
      throw new TypeError(`createRelay: allowedOrigins entry ${JSON.stringify(entry)} is not an origin; write it like 'https://www.example.com' (scheme, host, optional port)`);
    }
    origins.add(origin);
  }
  return origins;
}

/**
 * Whether a request with this `Origin` header may be served. Same-origin requests always
 * may; browsers send `Origin` on same-origin POSTs too.
 *
 * "Same origin" compares host and port, not the scheme: behind a TLS-terminating proxy the
 * relay sees `http` while the page is `https`, and `Host` is what both sides agree on.
 *
 * @param hosts the request's own host names, asked for only when needed as the relay knows them (`Host`, and with
 * trustProxy `X-Forwarded-Host`).
 */
export function isOriginAllowed(origin: string | null, allowList: OriginAllowList, hosts: () => ReadonlyArray<string | null | undefined>): boolean {
  if (origin === null || allowList === '*') return true;
  if (allowList.has(origin)) return true;
  const host = hostOf(origin);
  if (host === undefined) return false;
  for (const candidate of hosts()) if (candidate && candidate.trim().toLowerCase() === host) return true;
  return false;
}

function hostOf(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Headers on every answer to an allowed cross-origin request (none without `Origin`). */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (origin === null) return {};
  // The origin is echoed rather than '*' so that a page that sends credentials still reads
  // the answer; Vary keeps shared caches from serving it to another origin.
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

/** Extra headers of a preflight answer: one preflight a day per page origin. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type',
  'access-control-max-age': '86400',
};
