import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeVisitor, encodeVisitor, readVisitorCookie, writeVisitorCookie, type SharedVisitor } from '../../../src/browser/identity/visitor-cookie';

const setUrl = (url: string) => (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(url);
const visitor: SharedVisitor = { a: '6f0c2a91-7d3e-4b52-8a0f-3c1d00000001', u: null, c: false, r: 0, t: 1_795_000_000_000 };

describe('encodeVisitor / decodeVisitor', () => {
  it('round-trips, compactly', () => {
    const value = encodeVisitor(visitor);
    expect(value).toBe('1|6f0c2a91-7d3e-4b52-8a0f-3c1d00000001|0|0|mwm0nk74|');
    expect(value.length).toBeLessThan(60);
    expect(decodeVisitor(value)).toEqual(visitor);
  });

  it('keeps any userId intact, with only cookie-safe characters in the value', () => {
    for (const u of ['user-42', 'a|b|c', 'jane; path=/', 'ünïcødé 𝄞', '%41', '"quoted", and, commas']) {
      const v = { ...visitor, u, c: true, r: 1_795_000_000_123 };
      const value = encodeVisitor(v);
      // RFC 6265 cookie-octet: no controls, whitespace, DQUOTE, comma, semicolon or backslash.
      expect(value).toMatch(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/);
      expect(decodeVisitor(value)).toEqual(v);
    }
  });

  it.each([
    ['', 'empty'],
    ['2|id|0|0|1|', 'another version'],
    ['1||0|0|1|', 'no anonymous id'],
    ['1|id|2|0|1|', 'unknown flags'],
    ['1|id|0|0|1', 'a field missing'],
    ['1|id|0|0|1||', 'a field too many'],
    ['1|id|0|-1|1|', 'a negative time'],
    ['1|id|0|0|!|', 'a time that is no number'],
    ['1|%E0%A4%A|0|0|1|', 'broken URI encoding'],
    ['{"anonymousId":"x"}', 'some other format'],
  ])('refuses %j (%s)', (value) => {
    expect(decodeVisitor(value)).toBeUndefined();
  });
});

describe('readVisitorCookie / writeVisitorCookie (happy-dom)', () => {
  beforeEach(() => setUrl('https://www.example.com/'));
  afterEach(() => {
    for (const pair of document.cookie.split('; ')) {
      const name = pair.split('=')[0];
      document.cookie = `${name}=; Path=/; Max-Age=0`;
      document.cookie = `${name}=; Domain=example.com; Path=/; Max-Age=0`;
    }
    setUrl('http://localhost:3000/');
  });

  it('writes the cookie on the given domain, readable there and on every subdomain', () => {
    writeVisitorCookie('regal-browser', 'example.com', visitor);
    expect(readVisitorCookie('regal-browser')).toEqual(visitor);
    setUrl('https://apply.example.com/form');
    expect(readVisitorCookie('regal-browser')).toEqual(visitor);
    setUrl('https://www.other.com/');
    expect(readVisitorCookie('regal-browser')).toBeUndefined();
  });

  it('reads the newest of two cookies of one name, and ignores values it did not write', () => {
    document.cookie = `regal-browser=${encodeVisitor({ ...visitor, a: 'older', t: 5 })}; Path=/`;
    writeVisitorCookie('regal-browser', 'example.com', { ...visitor, a: 'newer', t: 9 });
    document.cookie = 'regal-browser-other=1|x|0|0|zz|; Path=/';
    expect(readVisitorCookie('regal-browser')?.a).toBe('newer');
    document.cookie = 'regal-browser=garbage; Path=/';
    expect(readVisitorCookie('regal-browser')?.a).toBe('newer');
  });

  it('is undefined, without throwing, where cookies cannot be read or written', () => {
    Object.defineProperty(document, 'cookie', {
      configurable: true,
      get() {
        throw new DOMException('sandboxed', 'SecurityError');
      },
      set() {
        throw new DOMException('sandboxed', 'SecurityError');
      },
    });
    try {
      expect(() => writeVisitorCookie('regal-browser', 'example.com', visitor)).not.toThrow();
      expect(readVisitorCookie('regal-browser')).toBeUndefined();
    } finally {
      delete (document as unknown as { cookie?: string }).cookie;
    }
  });
});
