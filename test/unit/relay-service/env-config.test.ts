import { describe, expect, it } from 'vitest';
import { ConfigError, readEnvConfig, REGAL_EVENTS_URL } from '../../../src/relay-service/env-config';

describe('readEnvConfig', () => {
  it('fills in the defaults from the key alone', () => {
    expect(readEnvConfig({ REGAL_API_KEY: ' key ' })).toEqual({
      apiKey: 'key',
      port: 8788,
      host: undefined,
      upstream: REGAL_EVENTS_URL,
      redisUrl: undefined,
      allowedOrigins: undefined,
      trustProxy: false,
      rateLimitPerSecond: undefined,
    });
  });

  it('reads every variable', () => {
    expect(
      readEnvConfig({
        REGAL_API_KEY: 'key',
        PORT: '0',
        HOST: '127.0.0.1',
        REGAL_UPSTREAM: 'http://127.0.0.1:8787/events',
        REGAL_REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
        REGAL_ALLOWED_ORIGINS: 'https://www.example.com, https://example.com:8443,',
        REGAL_TRUST_PROXY: '2',
        REGAL_RATE_LIMIT: '12.5',
      }),
    ).toEqual({
      apiKey: 'key',
      port: 0,
      host: '127.0.0.1',
      upstream: 'http://127.0.0.1:8787/events',
      redisUrl: 'rediss://:pw@redis.internal:6380/2',
      allowedOrigins: ['https://www.example.com', 'https://example.com:8443'],
      trustProxy: 2,
      rateLimitPerSecond: 12.5,
    });
    expect(readEnvConfig({ REGAL_API_KEY: 'k', REGAL_ALLOWED_ORIGINS: '*', REGAL_TRUST_PROXY: 'TRUE' })).toMatchObject({ allowedOrigins: '*', trustProxy: true });
  });

  it('reads the per-client limits, each a whole number or off', () => {
    expect(
      readEnvConfig({
        REGAL_API_KEY: 'k',
        REGAL_LIMIT_BATCHES_PER_MINUTE: '1200',
        REGAL_LIMIT_NEW_IDENTITIES_PER_MINUTE: '40',
        REGAL_LIMIT_NEW_IDENTITIES_PER_HOUR: 'OFF',
        REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR: ' 3 ',
        REGAL_LIMIT_PHONE_CHECKS_PER_MINUTE: '30',
      }).limits,
    ).toEqual({ batchesPerMinute: 1200, newIdentitiesPerMinute: 40, newIdentitiesPerHour: Infinity, ipsPerPhonePerHour: 3, phoneChecksPerMinute: 30 });
    expect(readEnvConfig({ REGAL_API_KEY: 'k', REGAL_LIMIT_BATCHES_PER_MINUTE: '' }).limits).toBeUndefined();
  });

  it('reads the bot verification: provider, secret, and the optional settings', () => {
    expect(readEnvConfig({ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'Turnstile', REGAL_BOT_SECRET: 'ts-secret' }).botVerification).toEqual({ provider: 'turnstile', secret: 'ts-secret' });
    expect(
      readEnvConfig({ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'recaptcha', REGAL_BOT_SECRET: 's', REGAL_BOT_REQUIRED: 'false', REGAL_BOT_MIN_SCORE: '0.7', REGAL_BOT_VERIFY_URL: 'http://127.0.0.1:9/verify' }).botVerification,
    ).toEqual({ provider: 'recaptcha', secret: 's', required: false, minScore: 0.7, verifyUrl: 'http://127.0.0.1:9/verify' });
    expect(readEnvConfig({ REGAL_API_KEY: 'k' }).botVerification).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(readEnvConfig({ REGAL_API_KEY: 'k', PORT: '', REGAL_REDIS_URL: ' ', REGAL_RATE_LIMIT: '' })).toMatchObject({ port: 8788, redisUrl: undefined, rateLimitPerSecond: undefined });
  });

  it.each([
    [{}, /REGAL_API_KEY is required/],
    [{ REGAL_API_KEY: '   ' }, /REGAL_API_KEY is required/],
    [{ REGAL_API_KEY: 'k', PORT: '-1' }, /PORT must be/],
    [{ REGAL_API_KEY: 'k', PORT: '80.5' }, /PORT must be/],
    [{ REGAL_API_KEY: 'k', REGAL_UPSTREAM: 'events.regalvoice.com/events' }, /REGAL_UPSTREAM must be/],
    [{ REGAL_API_KEY: 'k', REGAL_REDIS_URL: 'localhost:6379' }, /REGAL_REDIS_URL must be/],
    [{ REGAL_API_KEY: 'k', REGAL_ALLOWED_ORIGINS: 'www.example.com' }, /REGAL_ALLOWED_ORIGINS/],
    [{ REGAL_API_KEY: 'k', REGAL_TRUST_PROXY: '-1' }, /REGAL_TRUST_PROXY/],
    [{ REGAL_API_KEY: 'k', REGAL_RATE_LIMIT: 'Infinity' }, /REGAL_RATE_LIMIT/],
    [{ REGAL_API_KEY: 'k', REGAL_LIMIT_BATCHES_PER_MINUTE: '0' }, /REGAL_LIMIT_BATCHES_PER_MINUTE must be a whole number of at least 1, or off, got "0"/],
    [{ REGAL_API_KEY: 'k', REGAL_LIMIT_NEW_IDENTITIES_PER_MINUTE: '2.5' }, /REGAL_LIMIT_NEW_IDENTITIES_PER_MINUTE must be/],
    [{ REGAL_API_KEY: 'k', REGAL_LIMIT_NEW_IDENTITIES_PER_HOUR: 'Infinity' }, /REGAL_LIMIT_NEW_IDENTITIES_PER_HOUR must be/],
    [{ REGAL_API_KEY: 'k', REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR: 'five' }, /REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR must be/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'captcha', REGAL_BOT_SECRET: 's' }, /REGAL_BOT_PROVIDER must be turnstile, recaptcha or hcaptcha, got "captcha"/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'hcaptcha' }, /REGAL_BOT_SECRET is required with REGAL_BOT_PROVIDER=hcaptcha/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_SECRET: 's' }, /REGAL_BOT_SECRET is set but REGAL_BOT_PROVIDER is not/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_REQUIRED: 'true' }, /REGAL_BOT_REQUIRED is set but REGAL_BOT_PROVIDER is not/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'turnstile', REGAL_BOT_SECRET: 's', REGAL_BOT_REQUIRED: 'yes' }, /REGAL_BOT_REQUIRED must be true/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'turnstile', REGAL_BOT_SECRET: 's', REGAL_BOT_MIN_SCORE: '0.5' }, /REGAL_BOT_MIN_SCORE applies to reCAPTCHA v3 scores only/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'recaptcha', REGAL_BOT_SECRET: 's', REGAL_BOT_MIN_SCORE: '1.5' }, /REGAL_BOT_MIN_SCORE must be a number from 0 to 1/],
    [{ REGAL_API_KEY: 'k', REGAL_BOT_PROVIDER: 'recaptcha', REGAL_BOT_SECRET: 's', REGAL_BOT_VERIFY_URL: 'siteverify' }, /REGAL_BOT_VERIFY_URL must be an http\(s\) URL/],
  ])('refuses %o', (env, message) => {
    expect(() => readEnvConfig(env)).toThrow(ConfigError);
    expect(() => readEnvConfig(env)).toThrow(message);
  });
});
