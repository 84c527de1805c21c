// @vitest-environment node
/**
 * `POST <relay>/phone-check`: a lead form asks whether Regal can dial a number while the
 * visitor is still on the page. Same door rules as the batches (origin, preflight, method,
 * content type), its own per-IP limit, nothing forwarded.
 */
import { describe, expect, it } from 'vitest';
import { event, relayRequest, setup } from './helpers';

const URL = 'https://shop.example/regal/phone-check';

function checker(options: Parameters<typeof setup>[0] = {}) {
  const counted: Array<[string, Record<string, string> | undefined]> = [];
  const t = setup({ metrics: { inc: (name, _by, labels) => counted.push([name, labels]) }, ...options });
  const check = (body: unknown, init: Parameters<typeof relayRequest>[1] = {}, ip = '203.0.113.7') => t.relay(relayRequest(body, { url: URL, ...init }), { clientIp: ip });
  return { ...t, check, counted };
}

describe('phone check endpoint', () => {
  it('answers whether Regal can dial the number, with its country, line type and whether it takes texts; nothing is forwarded', async () => {
    const { check, upstream, counted } = checker();
    const undialable = await check({ phone: '+15551234567' });
    expect(undialable.status).toBe(200);
    expect(undialable.headers.get('cache-control')).toBe('no-store');
    expect(await undialable.json()).toEqual({ phoneNumber: '+15551234567', valid: false, code: 'undialable_phone', reason: 'not assigned in its country (an unused area code or prefix)' });
    expect(await (await check({ phone: '+1415555013' })).json()).toMatchObject({ valid: false, reason: 'too short for its country' });
    expect(await (await check({ phone: '+447400123456' })).json()).toEqual({ phoneNumber: '+447400123456', valid: true, country: 'GB', type: 'MOBILE', sms: true });
    expect(await (await check({ phone: '+442079460958' })).json()).toEqual({ phoneNumber: '+442079460958', valid: true, country: 'GB', type: 'FIXED_LINE', sms: false });
    // National, with its country; as application/json too.
    expect(await (await check({ phone: '0412 345 678', country: 'AU' }, { contentType: 'application/json' })).json()).toMatchObject({ valid: true, country: 'AU', type: 'MOBILE' });
    expect(upstream.calls).toEqual([]);
    expect(counted.filter(([name]) => name === 'phone_checks').map(([, labels]) => labels!.result)).toEqual(['undialable', 'undialable', 'valid', 'valid', 'valid']);
  });

  it('is found at any relay path ending in /phone-check, with or without a trailing slash', async () => {
    const { relay } = checker();
    for (const url of ['https://shop.example/api/regal/phone-check/', 'https://shop.example/regal/phone-check?v=1']) {
      expect(await (await relay(relayRequest({ phone: '+447400123456' }, { url }))).json()).toMatchObject({ valid: true });
    }
  });

  it('the relay door rules: another origin 403, an allowed one gets CORS headers and its preflight, POST only, text or JSON only', async () => {
    const { check } = checker({ allowedOrigins: ['https://www.shop.example'] });
    expect((await check({ phone: '+447400123456' }, { origin: 'https://evil.example' })).status).toBe(403);
    const allowed = await check({ phone: '+447400123456' }, { origin: 'https://www.shop.example' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
    expect((await check(undefined, { method: 'OPTIONS', origin: 'https://www.shop.example' })).status).toBe(204);
    expect((await check(undefined, { method: 'GET' })).status).toBe(405);
    expect((await check({ phone: '+447400123456' }, { contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
  });

  it('a body that is not a phone check: 400 with what to send; a large one 413', async () => {
    const { check, upstream } = checker();
    for (const body of ['{not json', { phone: 4155550134 }, { phone: '' }, { phone: '+1'.padEnd(41, '5') }, { phone: '+447400123456', country: 44 }, { batch: [event('m1')] }]) {
      const answer = await check(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((await answer.json()).message).toMatch(/phone/);
    }
    expect((await check({ phone: '+447400123456', pad: 'x'.repeat(2000) })).status).toBe(413);
    expect(upstream.calls).toEqual([]);
  });

  it('its own per-IP limit (limits.phoneChecksPerMinute): 429 with Retry-After past it, counted; the batches of that IP are not refused', async () => {
    const { check, post, counted, clock } = checker({ limits: { phoneChecksPerMinute: 2 } });
    expect((await check({ phone: '+447400123456' })).status).toBe(200);
    expect((await check({ phone: '+447400123457' })).status).toBe(200);
    const refused = await check({ phone: '+447400123458' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).message).toContain('limits.phoneChecksPerMinute');
    expect(counted).toContainEqual(['limit_429s', { limit: 'phone_checks' }]);
    // Another client IP, and this IP's batches, are not affected.
    expect((await check({ phone: '+447400123458' }, {}, '198.51.100.9')).status).toBe(200);
    expect((await post({ batch: [event('m1')] })).status).toBe(200);
    // The bucket refills.
    await clock.advance(30_000);
    expect((await check({ phone: '+447400123458' })).status).toBe(200);
  });
});
