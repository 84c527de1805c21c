// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { RelayResultSchema } from '../../../src/wire/schema';
import { createRelay } from '../../../src/relay';
import { event, relayRequest, setup } from './helpers';

describe('relay envelope: what the relay takes and how it answers', () => {
  it('accepts a text/plain batch (sendBeacon, no preflight) and answers a RelayResult', async () => {
    const { post, upstream } = setup();
    const response = await post({ batch: [event('m1'), event('m2')], sentAt: '2026-05-24T15:00:01.000Z' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const result = RelayResultSchema.parse(await response.json());
    expect(result).toEqual({ accepted: ['m1', 'm2'], rejected: [], retry: [] });
    expect(upstream.calls).toHaveLength(2);
  });

  it('accepts application/json and a body without Content-Type', async () => {
    const { post } = setup();
    expect(await (await post({ batch: [event('a')] }, { contentType: 'application/json' })).json()).toMatchObject({ accepted: ['a'] });
    expect(await (await post({ batch: [event('b')] }, { contentType: null })).json()).toMatchObject({ accepted: ['b'] });
  });

  it('answers 415 for other content types, with an actionable message', async () => {
    const { post, upstream } = setup();
    const response = await post('batch=1', { contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ code: 'unsupported_media_type', message: expect.stringContaining('application/x-www-form-urlencoded') });
    expect(upstream.calls).toHaveLength(0);
  });

  it('answers 400 invalid_json for malformed JSON', async () => {
    const { post } = setup();
    const response = await post('{"batch": [', {});
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'invalid_json', message: expect.stringContaining('not valid JSON') });
  });

  it.each([
    ['an array instead of the envelope', [event('m1')]],
    ['an empty batch', { batch: [] }],
    ['batch not an array', { batch: { messageId: 'm1' } }],
    ['null', null],
    ['sentAt not a string', { batch: [event('m1')], sentAt: 5 }],
  ])('answers 400 invalid_batch for %s', async (_, body) => {
    const { post, upstream } = setup();
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'invalid_batch', message: expect.stringContaining('Expected {"batch"') });
    expect(upstream.calls).toHaveLength(0);
  });

  it('answers 413 when Content-Length declares more than maxBodyBytes, without reading the body', async () => {
    const { post } = setup({ maxBodyBytes: 1000 });
    const response = await post({ batch: [event('m1')] }, { headers: { 'content-length': '1001' } });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: 'payload_too_large', message: expect.stringContaining('1000 bytes') });
  });

  it('answers 413 when the bytes read exceed maxBodyBytes although no Content-Length says so', async () => {
    const { relay, upstream } = setup({ maxBodyBytes: 1000 });
    const big = JSON.stringify({ batch: [event('m1', { properties: { pad: 'x'.repeat(2000) } })] });
    // A streamed body carries no Content-Length: only counting the bytes catches it.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(big);
        for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.slice(i, i + 256));
        controller.close();
      },
    });
    const request = new Request('https://shop.example/regal', { method: 'POST', body: stream, headers: { 'content-type': 'text/plain' }, duplex: 'half' } as RequestInit);
    expect(request.headers.get('content-length')).toBeNull();
    const response = await relay(request);
    expect(response.status).toBe(413);
    expect(upstream.calls).toHaveLength(0);
  });

  it('takes a multi-chunk body within the limit, multi-byte characters split across chunks included', async () => {
    const { relay, upstream } = setup();
    const bytes = new TextEncoder().encode(JSON.stringify({ batch: [event('m1', { properties: { city: 'Zürich 東京' } })] }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const response = await relay(new Request('https://shop.example/regal', { method: 'POST', body: stream, duplex: 'half' } as RequestInit));
    expect(await response.json()).toMatchObject({ accepted: ['m1'] });
    expect(upstream.calls[0].body.properties).toEqual({ city: 'Zürich 東京' });
  });

  it('answers 413 too_many_events beyond maxBatchEvents', async () => {
    const { post, upstream } = setup({ maxBatchEvents: 3 });
    const response = await post({ batch: [event('1'), event('2'), event('3'), event('4')] });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: 'too_many_events', message: expect.stringContaining('4 events, more than 3') });
    expect(upstream.calls).toHaveLength(0);
  });

  it.each(['GET', 'PUT', 'DELETE', 'HEAD'])('answers 405 with Allow to %s', async (method) => {
    const { post } = setup();
    const response = await post(undefined, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST, OPTIONS');
    if (method !== 'HEAD') expect(await response.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('never throws: an internal failure is a 500 {message, code: internal}', async () => {
    const { post, errors } = setup({
      sleep: () => {
        throw new Error('clock broke');
      },
    });
    const response = await post({ batch: [event('m1')] });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ code: 'internal', message: expect.stringContaining('Send the batch again') });
    expect(errors.find((info) => info.messageId === '')).toMatchObject({ reason: 'internal: clock broke', willRetry: false });
  });

  it('refuses to start without an API key, saying where to find one', () => {
    expect(() => createRelay({ apiKey: '' })).toThrow(/apiKey is required.*Regal API key/);
    expect(() => createRelay({ apiKey: 'k', rateLimitPerSecond: 0 })).toThrow(/rateLimitPerSecond must be a positive number/);
    expect(() => createRelay({ apiKey: 'k', upstream: 'ftp://x' })).toThrow(/upstream must be an http\(s\) URL/);
    expect(() => createRelay({ apiKey: 'k', allowedOrigins: ['www.example.com'] })).toThrow(/'https:\/\/www.example.com'/);
    expect(() => createRelay({ apiKey: 'k', trustProxy: -1 })).toThrow(/trustProxy/);
  });
});

describe('relay origin check and CORS', () => {
  it('serves same-origin pages (Origin equal to the relay host) and requests without Origin', async () => {
    const { post } = setup();
    expect((await post({ batch: [event('a')] }, { origin: 'https://shop.example' })).status).toBe(200);
    expect((await post({ batch: [event('b')] })).status).toBe(200);
  });

  it('compares host, not scheme: behind a TLS-terminating proxy the relay sees http', async () => {
    const { post } = setup();
    const response = await post({ batch: [event('a')] }, { url: 'http://shop.example/regal', origin: 'https://shop.example' });
    expect(response.status).toBe(200);
  });

  it('answers 403 to another origin by default, before reading anything', async () => {
    const { post, upstream } = setup();
    const response = await post({ batch: [event('a')] }, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ code: 'forbidden_origin', message: expect.stringContaining('https://evil.example') });
    expect(upstream.calls).toHaveLength(0);
  });

  it('answers 403 to a different port and to the opaque origin "null"', async () => {
    const { post } = setup();
    expect((await post({ batch: [event('a')] }, { origin: 'https://shop.example:8443' })).status).toBe(403);
    expect((await post({ batch: [event('a')] }, { origin: 'null' })).status).toBe(403);
  });

  it('serves listed origins with CORS headers echoing the origin', async () => {
    const { post } = setup({ allowedOrigins: ['https://www.shop.example/'] });
    const response = await post({ batch: [event('a')] }, { origin: 'https://www.shop.example' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
    expect(response.headers.get('vary')).toBe('Origin');
    expect((await post({ batch: [event('b')] }, { origin: 'https://other.example' })).status).toBe(403);
  });

  it("serves any origin with '*'", async () => {
    const { post } = setup({ allowedOrigins: '*' });
    const response = await post({ batch: [event('a')] }, { origin: 'https://anywhere.example' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example');
  });

  it('uses X-Forwarded-Host for the same-origin check only with trustProxy', async () => {
    const request = { url: 'http://10.0.0.5:3000/regal', origin: 'https://shop.example', headers: { 'x-forwarded-host': 'shop.example' } };
    expect((await setup().post({ batch: [event('a')] }, request)).status).toBe(403);
    expect((await setup({ trustProxy: 1 }).post({ batch: [event('a')] }, request)).status).toBe(200);
  });

  it('answers a preflight from an allowed origin with a day-long Max-Age', async () => {
    const { relay } = setup({ allowedOrigins: ['https://www.shop.example'] });
    const response = await relay(
      new Request('https://shop.example/regal', {
        method: 'OPTIONS',
        headers: { origin: 'https://www.shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      }),
    );
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': 'https://www.shop.example',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type',
      'access-control-max-age': '86400',
    });
  });

  it('answers a preflight from a disallowed origin with 403', async () => {
    const { relay } = setup();
    const response = await relay(new Request('https://shop.example/regal', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }));
    expect(response.status).toBe(403);
  });

  it('puts CORS headers on error answers too, so the page can read them', async () => {
    const { post } = setup({ allowedOrigins: '*' });
    const response = await post('not json', { origin: 'https://www.shop.example' });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
  });
});

describe('relay per-event validation', () => {
  it('puts every messageId of the batch in exactly one list', async () => {
    const { post, upstream } = setup({ respond: (call) => (call.body.name === 'event bad-upstream' ? new Response('{"message":"nope"}', { status: 400 }) : new Response('{}')) });
    const batch = [event('ok-1'), { messageId: 'no-traits', name: 'x' }, event('bad-upstream'), event('ok-2', { userId: 'visitor-2' })];
    const result = await (await post({ batch })).json();
    expect(result.accepted).toEqual(['ok-1', 'ok-2']);
    expect(result.rejected.map((r: { messageId: string }) => r.messageId)).toEqual(['no-traits', 'bad-upstream']);
    expect(result.retry).toEqual([]);
    expect(upstream.calls).toHaveLength(3);
  });

  it('rejects an invalid event with its position and the failing field', async () => {
    const { post } = setup();
    const bad = event('m2', { traits: { phones: [{ phoneNumber: 15551234567 }] } });
    const result = await (await post({ batch: [event('m1'), bad] })).json();
    expect(result.rejected).toEqual([{ messageId: 'm2', reason: expect.stringMatching(/^batch\[1\]: traits\.phones\.0\.phoneNumber: .*expected string/) }]);
  });

  it("answers an event without a string messageId as rejected under '' (it cannot be matched to anything)", async () => {
    const { post, upstream } = setup();
    const result = await (await post({ batch: [event('m1'), { traits: {} }, 'junk', event('m4', { messageId: 42 })] })).json();
    expect(result.accepted).toEqual(['m1']);
    expect(result.rejected).toEqual([
      { messageId: '', reason: expect.stringMatching(/^batch\[1\]: messageId: /) },
      { messageId: '', reason: expect.stringMatching(/^batch\[2\]: /) },
      { messageId: '', reason: expect.stringMatching(/^batch\[3\]: messageId: /) },
    ]);
    expect(upstream.calls).toHaveLength(1);
  });

  it('rejects an over-long messageId under that id, so the SDK can still match it', async () => {
    const { post } = setup();
    const long = 'x'.repeat(101);
    const result = await (await post({ batch: [event(long)] })).json();
    expect(result.rejected).toEqual([{ messageId: long, reason: expect.stringContaining('batch[0]: messageId') }]);
  });

  it('forwards events with no phone, email or userId (Regal takes them, unresolved)', async () => {
    const { post, upstream } = setup();
    const result = await (await post({ batch: [{ messageId: 'anon', traits: {}, name: 'Page Viewed' }] })).json();
    expect(result.accepted).toEqual(['anon']);
    expect(upstream.calls[0].body).toEqual({ traits: {}, name: 'Page Viewed' });
  });

  it('answers a messageId repeated within one batch once, and forwards it once', async () => {
    const { post, upstream } = setup();
    const result = await (await post({ batch: [event('m1'), event('m1'), event('m2')] })).json();
    expect(result).toEqual({ accepted: ['m1', 'm2'], rejected: [], retry: [] });
    expect(upstream.calls).toHaveLength(2);
  });

  it('builds the same Request handling for a plain relayRequest helper (sanity)', () => {
    expect(relayRequest({ batch: [] }).headers.get('content-type')).toBe('text/plain;charset=UTF-8');
  });
});
