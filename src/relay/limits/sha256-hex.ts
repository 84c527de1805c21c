/**
 * SHA-256 of a text, as hex. Tokens, phone numbers and email addresses are counted and
 * remembered in the shared state under their digest: keys stay short, and the state never
 * holds a usable token or a visitor's phone or email. Web Crypto, so it runs on Node and in
 * Workers alike.
 *
 * @example
 * await sha256Hex('abc') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  let hex = '';
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
