/**
 * The built-in bot verifiers over real HTTP, against a stand-in for each provider's
 * siteverify endpoint on 127.0.0.1 (the relay's `verifyUrl` points there).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBotVerification } from '../../src/relay/bot-verification/bot-verification-options';
import { SITEVERIFY_URLS, type BotProvider } from '../../src/relay/bot-verification/providers';
import { startSiteverifyStandIn, type SiteverifyStandIn } from '../support/siteverify-stand-in';

const SECRET = 'site-secret-0x42';

describe.each<BotProvider>(['turnstile', 'recaptcha', 'hcaptcha'])('%s siteverify', (provider) => {
  let standIn: SiteverifyStandIn;
  beforeAll(async () => {
    standIn = await startSiteverifyStandIn({ provider, secret: SECRET });
  });
  afterAll(() => standIn.stop());
  const verifier = (extra: Record<string, unknown> = {}) => resolveBotVerification({ provider, secret: SECRET, verifyUrl: standIn.url, ...extra }, undefined)!;

  it('passes a token the widget issued, posting secret, response and remoteip form-encoded', async () => {
    standIn.issue(`${provider}-good`);
    const before = standIn.calls.length;
    expect(await verifier().check(`${provider}-good`, '203.0.113.7')).toEqual({ status: 'passed' });
    const call = standIn.calls[before];
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    expect(call.form).toMatchObject({ secret: SECRET, response: `${provider}-good`, remoteip: '203.0.113.7' });
    if (provider === 'turnstile') expect(call.form.idempotency_key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    else expect(call.form.idempotency_key).toBeUndefined();
  });

  it(provider === 'turnstile' ? 'asks again with the same idempotency key and gets the same answer' : 'fails a token used twice, saying how to fix it', async () => {
    standIn.issue(`${provider}-twice`);
    expect((await verifier().check(`${provider}-twice`, undefined)).status).toBe('passed');
    const again = await verifier().check(`${provider}-twice`, undefined);
    if (provider === 'turnstile') expect(again).toEqual({ status: 'passed' });
    else expect(again).toEqual({ status: 'failed', reason: expect.stringMatching(new RegExp(`^${provider}: (timeout-or-duplicate|invalid-or-already-seen-response) \\(.*reset the widget after each submit\\)$`)) });
  });

  it('fails a forged token', async () => {
    expect(await verifier().check('made-up-by-a-script', '203.0.113.7')).toEqual({ status: 'failed', reason: `${provider}: invalid-input-response (the token is invalid: forged, or issued for another site key)` });
  });

  it('blames the secret, not the visitor, when the secret is wrong: no answer (retry), not a failure', async () => {
    standIn.issue(`${provider}-secret`);
    const verdict = await resolveBotVerification({ provider, secret: 'wrong', verifyUrl: standIn.url }, undefined)!.check(`${provider}-secret`, undefined);
    expect(verdict).toEqual({ status: 'unavailable', reason: expect.stringMatching(new RegExp(`^${provider} verification is misconfigured: invalid-input-secret \\(the secret is wrong: set botVerification.secret`)) });
  });

  it('gives no answer (retry) when the provider fails, answers without JSON, or is too slow', async () => {
    standIn.issue(`${provider}-faults`);
    try {
      standIn.fail({ status: 503 });
      expect(await verifier().check(`${provider}-faults`, undefined)).toEqual({ status: 'unavailable', reason: `${provider} siteverify answered 503 without JSON` });
      standIn.fail({ status: 500, body: '{"success": false, "error-codes": ["internal-error"]}' });
      expect(await verifier().check(`${provider}-faults`, undefined)).toMatchObject({ status: 'unavailable', reason: expect.stringContaining('internal-error') });
      standIn.fail({ status: 200, body: '{"ok": true}' });
      expect(await verifier().check(`${provider}-faults`, undefined)).toEqual({ status: 'unavailable', reason: `${provider} siteverify answered 200 without a success field` });
      standIn.fail({ delayMs: 1_000 });
      const started = Date.now();
      expect(await verifier({ timeoutMs: 200 }).check(`${provider}-faults`, undefined)).toMatchObject({ status: 'unavailable', reason: `${provider} siteverify did not answer within 200 ms` });
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      standIn.fail({});
    }
    // None of that used the token up.
    expect((await verifier().check(`${provider}-faults`, undefined)).status).toBe('passed');
  });

  it('gives no answer (retry) when the provider cannot be reached', async () => {
    const verdict = await resolveBotVerification({ provider, secret: SECRET, verifyUrl: 'http://127.0.0.1:1/siteverify' }, undefined)!.check('t', undefined);
    expect(verdict).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(new RegExp(`^${provider} siteverify unreachable`)) });
  });
});

describe('reCAPTCHA v3 scores', () => {
  let standIn: SiteverifyStandIn;
  beforeAll(async () => {
    standIn = await startSiteverifyStandIn({ provider: 'recaptcha', secret: SECRET });
  });
  afterAll(() => standIn.stop());

  it('fails a score under minScore (default 0.5) and passes one at or above it', async () => {
    const verifier = resolveBotVerification({ provider: 'recaptcha', secret: SECRET, verifyUrl: standIn.url }, undefined)!;
    standIn.issue('bot-ish', 0.3);
    standIn.issue('person', 0.5);
    expect(await verifier.check('bot-ish', undefined)).toEqual({ status: 'failed', reason: 'recaptcha: score 0.3 is below botVerification.minScore 0.5 (likely a bot)' });
    expect(await verifier.check('person', undefined)).toEqual({ status: 'passed' });
    standIn.issue('stricter', 0.7);
    expect((await resolveBotVerification({ provider: 'recaptcha', secret: SECRET, verifyUrl: standIn.url, minScore: 0.9 }, undefined)!.check('stricter', undefined)).status).toBe('failed');
  });
});

describe('botVerification option', () => {
  it('uses each provider\'s documented siteverify URL by default', async () => {
    const seen: string[] = [];
    const fetch = (async (url: string) => (seen.push(url), new Response('{"success":true}'))) as unknown as typeof globalThis.fetch;
    for (const provider of ['turnstile', 'recaptcha', 'hcaptcha'] as const) await resolveBotVerification({ provider, secret: 's' }, fetch)!.check('t', undefined);
    expect(seen).toEqual([SITEVERIFY_URLS.turnstile, SITEVERIFY_URLS.recaptcha, SITEVERIFY_URLS.hcaptcha]);
    expect(seen).toEqual(['https://challenges.cloudflare.com/turnstile/v0/siteverify', 'https://www.google.com/recaptcha/api/siteverify', 'https://api.hcaptcha.com/siteverify']);
  });

  it('refuses at startup a provider it does not know, a missing secret, a bad URL or score', () => {
    expect(() => resolveBotVerification({ provider: 'captchaX' as never, secret: 's' }, undefined)).toThrow(/provider must be 'turnstile', 'recaptcha' or 'hcaptcha'/);
    expect(() => resolveBotVerification({ provider: 'turnstile', secret: ' ' }, undefined)).toThrow(/botVerification.secret is required/);
    expect(() => resolveBotVerification({ provider: 'hcaptcha', secret: 's', verifyUrl: 'ftp://x' }, undefined)).toThrow(/verifyUrl must be an http\(s\) URL/);
    expect(() => resolveBotVerification({ provider: 'recaptcha', secret: 's', minScore: 2 }, undefined)).toThrow(/minScore must be between 0 and 1/);
    expect(() => resolveBotVerification({ provider: 'recaptcha', secret: 's', required: 'yes' as never }, undefined)).toThrow(/required must be true or false/);
    expect(resolveBotVerification(undefined, undefined)).toBeUndefined();
  });

  it('takes a verifier of your own: true, false, { success, reason }, or a throw (no answer)', async () => {
    const custom = (verify: (token: string, ip?: string) => unknown) => resolveBotVerification({ verify: verify as never }, undefined)!;
    expect(await custom(() => true).check('t', undefined)).toEqual({ status: 'passed' });
    expect(await custom(async () => false).check('t', undefined)).toEqual({ status: 'failed', reason: 'custom verifier: the token did not pass' });
    expect(await custom(() => ({ success: false, reason: 'honeypot filled' })).check('t', undefined)).toEqual({ status: 'failed', reason: 'custom verifier: honeypot filled' });
    expect(await custom(() => {
      throw new Error('down');
    }).check('t', undefined)).toMatchObject({ status: 'unavailable', reason: 'custom verifier failed: down' });
    let args: unknown[] = [];
    await custom((...a) => ((args = a), true)).check('tok', '192.0.2.1');
    expect(args).toEqual(['tok', '192.0.2.1']);
    expect(resolveBotVerification({ verify: () => true }, undefined)!.required).toBe(true);
    expect(resolveBotVerification({ verify: () => true, required: false }, undefined)!.required).toBe(false);
  });
});
