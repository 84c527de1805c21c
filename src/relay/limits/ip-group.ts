/**
 * The unit the per-client limits count: an IPv4 address, or the /64 network of an IPv6
 * address. One IPv6 subscriber is given a /64 (or larger) and can use any of its 2^64
 * addresses, so counting single IPv6 addresses would let one machine pass for millions of
 * clients.
 *
 * @example
 * ipGroup('203.0.113.7')           // '203.0.113.7'
 * ipGroup('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 * ipGroup('2001:db8::1')          // '2001:db8:0:0::/64'
 */
export function ipGroup(ip: string): string {
  if (ip.indexOf(':') === -1) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.indexOf('::') === -1 || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) fills the last 32 bits.
  const width = (parts: string[]) => parts.reduce((n, part) => n + (part.indexOf('.') === -1 ? 1 : 2), 0);
  const groups = [...left, ...new Array<string>(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
