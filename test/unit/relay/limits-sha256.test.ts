// @vitest-environment node
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/relay/limits/sha256-hex';

describe('sha256Hex', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto at every padding boundary, on non-ASCII text and on long tokens', () => {
    const inputs = ['é+15551234567', ...[55, 56, 63, 64, 65, 119, 120].map((n) => 'a'.repeat(n)), 'x'.repeat(5_000)];
    for (const text of inputs) expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
