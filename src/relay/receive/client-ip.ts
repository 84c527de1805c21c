/**
 * The visitor's IP address, recorded with their consent (`ip` on each opt-in).
 *
 * With `trustProxy` the address comes from `X-Forwarded-For`, read the way Express reads
 * it: each proxy appends the address it received the request from, so only the entries
 * appended by proxies you run can be believed. Trusting n proxies means taking the n-th
 * entry from the right; `true` trusts all of them (the leftmost entry).
 *
 * @example
 * clientIp('203.0.113.7, 10.0.0.2', '10.0.0.1', 1)     // '10.0.0.2'
 * clientIp('203.0.113.7, 10.0.0.2', '10.0.0.1', 2)     // '203.0.113.7'
 * clientIp('203.0.113.7, 10.0.0.2', '10.0.0.1', false) // '10.0.0.1'
 */
export function clientIp(forwardedFor: string | null | undefined, peer: string | undefined, trustProxy: boolean | number): string | undefined {
  if (trustProxy === false || trustProxy === 0 || !forwardedFor) return normalizeIp(peer);
  const hops = forwardedFor.split(',');
  return normalizeIp(hops[trustProxy === true ? 0 : Math.max(0, hops.length - trustProxy)]);
}

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;
const IPV6 = /^[0-9a-f]*:[0-9a-f:]*(\d{1,3}(\.\d{1,3}){3})?$/i;

/**
 * Trims, drops a port (`1.2.3.4:5678`, `[::1]:80`: some load balancers add one) and the
 * IPv4-mapped prefix Node reports on dual-stack sockets (`::ffff:1.2.3.4`). Anything that is
 * not an IP address gives `undefined`: a forged header must not end up in a consent record.
 */
export function normalizeIp(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let ip = value.trim();
  if (ip.startsWith('[')) ip = ip.slice(1, ip.indexOf(']') === -1 ? undefined : ip.indexOf(']'));
  else if (ip.indexOf(':') !== -1 && ip.indexOf(':') === ip.lastIndexOf(':')) ip = ip.slice(0, ip.indexOf(':'));
  if (ip.toLowerCase().startsWith('::ffff:') && IPV4.test(ip.slice(7))) ip = ip.slice(7);
  return IPV4.test(ip) || IPV6.test(ip) ? ip : undefined;
}
