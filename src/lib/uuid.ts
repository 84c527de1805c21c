/**
 * A random (v4) UUID. `crypto.randomUUID` exists only in secure contexts (https, localhost),
 * so plain-http pages get one built from `getRandomValues`, and very old engines from the
 * random source passed in.
 */
export function uuid(random: () => number = Math.random): string {
  const c = globalThis.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = (random() * 256) | 0;
  bytes[6] = (bytes[6] & 15) | 64; // version 4
  bytes[8] = (bytes[8] & 63) | 128; // RFC 4122 variant
  let hex = '';
  for (let i = 0; i < 16; i++) hex += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (bytes[i] + 256).toString(16).slice(1);
  return hex;
}
