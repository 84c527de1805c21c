/**
 * A random (v4) UUID.
 *
 * Not `crypto.randomUUID`: in Chromium it costs about 2 µs a call (bench: the largest
 * single item of `track` after garbage collection), and it exists only in secure contexts.
 * Random bytes are drawn 4 KB at a time from `getRandomValues` (the same CSPRNG) and
 * formatted through a table; engines without it fall back to the random source passed in.
 */
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX[i] = (i + 256).toString(16).slice(1);
const POOL = 4096;
let pool = new Uint8Array(0);
let next = POOL;

export function uuid(random: () => number = Math.random): string {
  if (next >= pool.length) {
    pool = new Uint8Array(POOL);
    const c = globalThis.crypto;
    if (c && c.getRandomValues) c.getRandomValues(pool);
    else for (let i = 0; i < POOL; i++) pool[i] = (random() * 256) | 0;
    next = 0;
  }
  const b = pool;
  const i = next;
  next += 16;
  const h = (k: number) => HEX[b[i + k]];
  // Version 4 in byte 6, the RFC 4122 variant in byte 8.
  return h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + HEX[(b[i + 6] & 15) | 64] + h(7) + '-' + HEX[(b[i + 8] & 63) | 128] + h(9) + '-' + h(10) + h(11) + h(12) + h(13) + h(14) + h(15);
}
