/**
 * Message ids in the UUID format (version 4, RFC 4122 variant).
 *
 * Not `crypto.randomUUID` per call: in Chromium it costs about 2 µs (bench: the largest
 * single item of `track` after garbage collection), and it exists only in secure contexts.
 * Each id source draws 58 random bits once, from `getRandomValues` (or the random source
 * passed in, on engines without it), and counts up from a random start in the other 64:
 * ids of one source never repeat, and two sources (tabs, visits) collide with a
 * probability of about 2^-58 per pair.
 *
 * @example
 * const next = idSource(); next() // '6f0c2a91-7d3e-4b52-8a0f-3c1d00000001'-like
 */
export function idSource(random: () => number = Math.random): () => string {
  const words = new Uint32Array(4);
  const c = globalThis.crypto;
  c?.getRandomValues ? c.getRandomValues(words) : words.forEach((_, i) => (words[i] = random() * 2 ** 32));
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  // xxxxxxxx-xxxx-4xxx-yxxx-: 58 random bits, with the version nibble and variant bits set.
  const prefix = `${hex(words[0], 8)}-${hex(words[1] >>> 16, 4)}-4${hex(words[1] & 0xfff, 3)}-${hex(0x8000 | (words[2] & 0x3fff), 4)}-`;
  // The last 12 hex digits (48 bits) count up from a random start.
  let counter = words[3] * 2 ** 16 + (words[2] >>> 16);
  return () => prefix + hex(counter++ % 2 ** 48, 12);
}

/** A fresh id from this page's id source. */
export const uuid = idSource();
