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
  ])('refuses %o', (env, message) => {
    expect(() => readEnvConfig(env)).toThrow(ConfigError);
    expect(() => readEnvConfig(env)).toThrow(message);
  });
});
