import { afterEach, describe, expect, it } from 'vitest';
import { cookieSticks, findCookieDomain } from '../../../src/browser/identity/cookie-domain';

// A browser's view of the public suffix list, for the search: it refuses a cookie on any
// of these (as it refuses one on a domain the page is not under).
const SUFFIXES = new Set(['com', 'uk', 'co.uk', 'io', 'github.io', 'test', 'localhost']);
const browser = (hostname: string) => {
  const tried: string[] = [];
  const sticks = (domain: string) => {
    tried.push(domain);
    return !SUFFIXES.has(domain) && (hostname === domain || hostname.endsWith('.' + domain));
  };
  return { tried, sticks };
};

describe('findCookieDomain', () => {
  it.each([
    ['www.example.com', 'example.com'],
    ['example.com', 'example.com'],
    ['apply.example.co.uk', 'example.co.uk'],
    ['a.b.c.example.co.uk', 'example.co.uk'],
    ['quote.acme.github.io', 'acme.github.io'],
    ['www.regal.localhost', 'regal.localhost'],
  ])('%s → %s', (hostname, domain) => {
    expect(findCookieDomain(hostname, browser(hostname).sticks)).toBe(domain);
  });

  it('tries the shortest parent first and stops at the first that sticks', () => {
    const b = browser('a.b.example.co.uk');
    findCookieDomain('a.b.example.co.uk', b.sticks);
    expect(b.tried).toEqual(['co.uk', 'example.co.uk']);
  });

  it.each(['localhost', '127.0.0.1', '10.1.2.3', '[::1]', '::1', ''])('has nothing to search on %j', (hostname) => {
    const b = browser(hostname);
    expect(findCookieDomain(hostname, b.sticks)).toBeUndefined();
    expect(b.tried).toEqual([]);
  });

  it('is undefined when no level takes a cookie (cookies refused)', () => {
    const tried: string[] = [];
    expect(findCookieDomain('www.example.com', (d) => (tried.push(d), false))).toBeUndefined();
    expect(tried).toEqual(['example.com', 'www.example.com']);
  });
});

describe('cookieSticks (happy-dom at https://www.example.com)', () => {
  const setUrl = (url: string) => (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(url);
  afterEach(() => setUrl('http://localhost:3000/'));

  it('is true for the page’s parent domain and leaves no probe behind', () => {
    setUrl('https://www.example.com/');
    expect(cookieSticks('example.com')).toBe(true);
    expect(document.cookie).not.toMatch(/_regal_probe=[^;]/);
  });

  it('is false for a domain the page is not under, and for a public suffix', () => {
    setUrl('https://www.example.com/');
    expect(cookieSticks('other.com')).toBe(false);
    expect(cookieSticks('com')).toBe(false);
  });

  it('is not fooled by a probe cookie some other script left', () => {
    setUrl('https://www.example.com/');
    document.cookie = '_regal_probe=leftover; Path=/';
    expect(cookieSticks('other.com')).toBe(false);
  });

  it('is false where document.cookie throws (a sandboxed iframe)', () => {
    const descriptor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(document), 'cookie')!;
    Object.defineProperty(document, 'cookie', {
      configurable: true,
      get() {
        throw new DOMException('The document is sandboxed', 'SecurityError');
      },
      set() {
        throw new DOMException('The document is sandboxed', 'SecurityError');
      },
    });
    try {
      expect(cookieSticks('example.com')).toBe(false);
      expect(findCookieDomain('www.example.com', cookieSticks)).toBeUndefined();
    } finally {
      delete (document as unknown as { cookie?: string }).cookie;
      expect(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(document), 'cookie')).toEqual(descriptor);
    }
  });
});
