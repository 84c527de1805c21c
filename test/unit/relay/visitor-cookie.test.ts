// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { encodeVisitor } from '../../../src/browser/identity/visitor-cookie';
import { renewVisitorCookie, resolveVisitorCookie } from '../../../src/relay/receive/visitor-cookie';
import { createRelay } from '../../../src/relay';

const value = encodeVisitor({ a: '6f0c2a91-7d3e-4b52-8a0f-3c1d00000001', u: 'user-42', c: true, r: 0, t: 1_795_000_000_000 });
const config = resolveVisitorCookie({ domain: 'example.com' })!;
const request = (headers: Record<string, string>, url = 'http://www.example.com/regal') => new Request(url, { method: 'POST', headers });

describe('renewVisitorCookie', () => {
  it('renews the SDK’s cookie unchanged, on the site’s domain, for a year', () => {
    const header = renewVisitorCookie(config, request({ host: 'apply.example.com', cookie: `session=abc; regal-browser=${value}; other=1`, origin: 'https://apply.example.com' }));
    expect(header).toBe(`regal-browser=${value}; Domain=example.com; Path=/; Max-Age=31536000; SameSite=Lax; Secure`);
  });

  it('is Secure only for https pages (by Origin, the URL or X-Forwarded-Proto)', () => {
    const cookie = `regal-browser=${value}`;
    expect(renewVisitorCookie(config, request({ host: 'www.example.com', cookie, origin: 'http://www.example.com' }))).not.toMatch(/Secure/);
    expect(renewVisitorCookie(config, request({ host: 'www.example.com', cookie }, 'https://www.example.com/regal'))).toMatch(/; Secure$/);
    expect(renewVisitorCookie(config, request({ host: 'www.example.com', cookie, 'x-forwarded-proto': 'https' }))).toMatch(/; Secure$/);
  });

  it('works on the bare domain and with a port', () => {
    expect(renewVisitorCookie(config, request({ host: 'example.com:8443', cookie: `regal-browser=${value}` }))).toContain('Domain=example.com;');
  });

  it('sets nothing for a host outside the domain (the browser would refuse it anyway)', () => {
    for (const host of ['www.example.org', 'notexample.com', '127.0.0.1:8787', '[::1]:8787', ''])
      expect(renewVisitorCookie(config, request({ host, cookie: `regal-browser=${value}` }))).toBeUndefined();
  });

  it('echoes nothing but a value the SDK wrote', () => {
    for (const cookie of ['', 'regal-browser=', 'regal-browser=hello', `regal-browser-x=${value}`, `regal-browser=${value.replace("user-42", "user%2D42")}`, `regal-browser=${value.replace('|0|', '|00|')}`])
      expect(renewVisitorCookie(config, request({ host: 'www.example.com', cookie }))).toBeUndefined();
  });

  it('takes the newest of two cookies of that name', () => {
    const older = encodeVisitor({ a: 'older', u: null, c: false, r: 0, t: 5 });
    const header = renewVisitorCookie(config, request({ host: 'www.example.com', cookie: `regal-browser=${older}; regal-browser=${value}` }));
    expect(header).toContain(`regal-browser=${value};`);
  });

  it('uses the cookie name given (the SDK’s storageName)', () => {
    const named = resolveVisitorCookie({ domain: '.Example.com', name: 'shop_regal' })!;
    expect(named).toEqual({ domain: 'example.com', name: 'shop_regal' });
    expect(renewVisitorCookie(named, request({ host: 'www.example.com', cookie: `regal-browser=${value}; shop_regal=${value}` }))).toMatch(/^shop_regal=/);
  });
});

describe('resolveVisitorCookie', () => {
  it('is off without the option', () => {
    expect(resolveVisitorCookie(undefined)).toBeUndefined();
  });

  it.each([[{ domain: '' }], [{ domain: 'https://example.com' }], [{ domain: 'example.com/' }], [{}], [{ domain: 'example.com', name: 'a;b' }], [{ domain: 'example.com', name: '' }]])(
    'refuses %j at startup, saying what to give',
    (options) => {
      expect(() => resolveVisitorCookie(options as never)).toThrow(/visitorCookie\.(domain|name) must be/);
    },
  );
});

describe('createRelay({ visitorCookie })', () => {
  const upstream = async () => new Response('{"status":"accepted"}', { status: 200, headers: { 'content-type': 'application/json' } });
  const event = { messageId: 'm1', userId: 'u1', traits: {}, name: 'Clicked', eventSource: 'Website', originalTimestamp: '2026-11-27T12:00:00.000Z' };
  const post = (relay: ReturnType<typeof createRelay>, body: unknown, headers: Record<string, string> = {}) =>
    relay(new Request('https://www.example.com/regal', { method: 'POST', body: JSON.stringify(body), headers: { host: 'www.example.com', origin: 'https://www.example.com', 'content-type': 'text/plain', cookie: `regal-browser=${value}`, ...headers } }));

  it('renews the cookie in its answer to a batch, and in an error answer to a POST', async () => {
    const relay = createRelay({ apiKey: 'k', fetch: upstream as typeof fetch, visitorCookie: { domain: 'example.com' } });
    const ok = await post(relay, { batch: [event] });
    expect(ok.status).toBe(200);
    expect(ok.headers.getSetCookie()).toEqual([`regal-browser=${value}; Domain=example.com; Path=/; Max-Age=31536000; SameSite=Lax; Secure`]);
    const bad = await post(relay, { nope: true });
    expect(bad.status).toBe(400);
    expect(bad.headers.getSetCookie()).toHaveLength(1);
  });

  it('sets nothing without the option, nor on a preflight', async () => {
    expect((await post(createRelay({ apiKey: 'k', fetch: upstream as typeof fetch }), { batch: [event] })).headers.getSetCookie()).toEqual([]);
    const relay = createRelay({ apiKey: 'k', fetch: upstream as typeof fetch, visitorCookie: { domain: 'example.com' } });
    const preflight = await relay(new Request('https://www.example.com/regal', { method: 'OPTIONS', headers: { host: 'www.example.com', origin: 'https://www.example.com', cookie: `regal-browser=${value}` } }));
    expect(preflight.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a wrong visitorCookie at startup', () => {
    expect(() => createRelay({ apiKey: 'k', visitorCookie: { domain: 'https://example.com/' } })).toThrow(/visitorCookie\.domain must be the site's domain/);
  });
});
