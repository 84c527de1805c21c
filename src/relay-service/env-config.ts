/**
 * The service's configuration, read from the environment once at startup. Every value is
 * checked here, so a typo stops the service with a message naming the variable, the value
 * and what it should be, instead of a relay that starts and loses events later.
 */

import type { BuiltInBotVerification } from '../relay/bot-verification/bot-verification-options';
import type { BotProvider } from '../relay/bot-verification/providers';
import type { ClientLimitOptions } from '../relay/limits/client-limit-options';

/** Regal's ingest, as the relay forwards to it by default. */
export const REGAL_EVENTS_URL = 'https://events.regalvoice.com/events';
export const DEFAULT_PORT = 8788;

export interface ServiceConfig {
  apiKey: string;
  /** 0: any free port (the start log line says which). */
  port: number;
  /** Listen address; undefined: every interface (what a container or VM needs). */
  host: string | undefined;
  upstream: string;
  /** undefined: the state stays in this process's memory (one instance only). */
  redisUrl: string | undefined;
  /** undefined: same origin only (the relay's default). */
  allowedOrigins: string[] | '*' | undefined;
  trustProxy: boolean | number;
  /** undefined: the relay's default (Regal's 300 requests/second). */
  rateLimitPerSecond: number | undefined;
  /** The per-client limits set by environment (`Infinity`: off); undefined: the relay's defaults. */
  limits: ClientLimitOptions | undefined;
  /** undefined: no bot verification (the relay's default). */
  botVerification: BuiltInBotVerification | undefined;
}

/** The variable of each per-client limit (see `ClientLimitOptions`). */
export const LIMIT_VARIABLES = {
  batchesPerMinute: 'REGAL_LIMIT_BATCHES_PER_MINUTE',
  newIdentitiesPerMinute: 'REGAL_LIMIT_NEW_IDENTITIES_PER_MINUTE',
  newIdentitiesPerHour: 'REGAL_LIMIT_NEW_IDENTITIES_PER_HOUR',
  ipsPerPhonePerHour: 'REGAL_LIMIT_IPS_PER_PHONE_PER_HOUR',
  phoneChecksPerMinute: 'REGAL_LIMIT_PHONE_CHECKS_PER_MINUTE',
} as const satisfies Record<keyof ClientLimitOptions, string>;

const BOT_PROVIDERS: readonly BotProvider[] = ['turnstile', 'recaptcha', 'hcaptcha'];

/** A configuration the service cannot start with; `message` is for the person running it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * @example
 * readEnvConfig({ REGAL_API_KEY: 'k', REGAL_REDIS_URL: 'redis://127.0.0.1:6379' }).port // 8788
 * @throws ConfigError
 */
export function readEnvConfig(env: Env): ServiceConfig {
  const apiKey = (env.REGAL_API_KEY ?? '').trim();
  if (apiKey === '') {
    throw new ConfigError('REGAL_API_KEY is required: set it to your Regal API key (the relay adds it to every event it forwards; browsers never see it).');
  }
  return {
    apiKey,
    port: port(env.PORT),
    host: present(env.HOST),
    upstream: httpUrl(env.REGAL_UPSTREAM),
    redisUrl: redisUrl(env.REGAL_REDIS_URL),
    allowedOrigins: origins(env.REGAL_ALLOWED_ORIGINS),
    trustProxy: trustProxy(env.REGAL_TRUST_PROXY),
    rateLimitPerSecond: rateLimit(env.REGAL_RATE_LIMIT),
    limits: limits(env),
    botVerification: botVerification(env),
  };
}

/** Unset and empty are the same: `PORT= regal-relay` means the default. */
function present(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const show = (raw: string) => JSON.stringify(raw);

function port(raw: string | undefined): number {
  const value = present(raw);
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new ConfigError(`PORT must be a port number from 0 to 65535, got ${show(value)}.`);
  return n;
}

function httpUrl(raw: string | undefined): string {
  const value = present(raw);
  if (value === undefined) return REGAL_EVENTS_URL;
  if (!hasProtocol(value, ['http:', 'https:'])) {
    throw new ConfigError(`REGAL_UPSTREAM must be an http(s) URL such as ${REGAL_EVENTS_URL}, got ${show(value)}.`);
  }
  return value;
}

function redisUrl(raw: string | undefined): string | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  if (!hasProtocol(value, ['redis:', 'rediss:'])) {
    // The URL may hold a password: name the problem without echoing the value.
    throw new ConfigError('REGAL_REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://:password@redis.internal:6379/0.');
  }
  return value;
}

function hasProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function origins(raw: string | undefined): string[] | '*' | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  const list = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of list) {
    let origin = 'null';
    try {
      origin = new URL(entry).origin;
    } catch {
      // reported below
    }
    // A path (`https://example.com/`) would never equal a browser's Origin header.
    if (entry !== 'null' && (origin === 'null' || origin !== entry.replace(/\/$/, ''))) {
      throw new ConfigError(`REGAL_ALLOWED_ORIGINS must be * or origins separated by commas, such as https://www.example.com,https://example.com (scheme, host, optional port; no path); ${show(entry)} is not one.`);
    }
  }
  return list;
}

function trustProxy(raw: string | undefined): boolean | number {
  const value = present(raw)?.toLowerCase();
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  throw new ConfigError(`REGAL_TRUST_PROXY must be true, false, or the number of proxies in front of the relay (e.g. 1 behind one nginx), got ${show(value)}.`);
}

function rateLimit(raw: string | undefined): number | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(`REGAL_RATE_LIMIT must be the Regal account's requests per second, a number above 0 (default 300), got ${show(value)}.`);
  }
  return n;
}

function limits(env: Env): ClientLimitOptions | undefined {
  let options: ClientLimitOptions | undefined;
  for (const [name, variable] of Object.entries(LIMIT_VARIABLES) as Array<[keyof ClientLimitOptions, string]>) {
    const value = present(env[variable]);
    if (value === undefined) continue;
    let n = Number(value);
    if (value.toLowerCase() === 'off') n = Infinity;
    else if (!/^\d+$/.test(value) || !(n >= 1)) {
      throw new ConfigError(`${variable} must be a whole number of at least 1, or off, got ${show(value)}.`);
    }
    (options ??= {})[name] = n;
  }
  return options;
}

function botVerification(env: Env): BuiltInBotVerification | undefined {
  const provider = present(env.REGAL_BOT_PROVIDER)?.toLowerCase();
  const secret = present(env.REGAL_BOT_SECRET);
  const required = present(env.REGAL_BOT_REQUIRED)?.toLowerCase();
  const minScore = present(env.REGAL_BOT_MIN_SCORE);
  const verifyUrl = present(env.REGAL_BOT_VERIFY_URL);
  if (provider === undefined) {
    // A secret or setting without a provider is a typo, not a choice to run unprotected.
    const stray = [['REGAL_BOT_SECRET', secret], ['REGAL_BOT_REQUIRED', required], ['REGAL_BOT_MIN_SCORE', minScore], ['REGAL_BOT_VERIFY_URL', verifyUrl]].find(([, v]) => v !== undefined);
    if (stray) throw new ConfigError(`${stray[0]} is set but REGAL_BOT_PROVIDER is not: set REGAL_BOT_PROVIDER to turnstile, recaptcha or hcaptcha (the widget on your lead forms).`);
    return undefined;
  }
  if (!(BOT_PROVIDERS as readonly string[]).includes(provider)) {
    throw new ConfigError(`REGAL_BOT_PROVIDER must be turnstile, recaptcha or hcaptcha, got ${show(provider)}.`);
  }
  if (secret === undefined) {
    throw new ConfigError(`REGAL_BOT_SECRET is required with REGAL_BOT_PROVIDER=${provider}: the widget's secret key (server side; never on the page).`);
  }
  const options: BuiltInBotVerification = { provider: provider as BotProvider, secret };
  if (required !== undefined) {
    if (required !== 'true' && required !== 'false') throw new ConfigError(`REGAL_BOT_REQUIRED must be true (default: opt-ins are forwarded only with a token that passed) or false (verify and report, refuse nothing), got ${show(required)}.`);
    options.required = required === 'true';
  }
  if (minScore !== undefined) {
    const n = Number(minScore);
    if (provider !== 'recaptcha') throw new ConfigError(`REGAL_BOT_MIN_SCORE applies to reCAPTCHA v3 scores only; unset it with REGAL_BOT_PROVIDER=${provider}.`);
    if (!/^\d*\.?\d+$/.test(minScore) || !(n >= 0 && n <= 1)) throw new ConfigError(`REGAL_BOT_MIN_SCORE must be a number from 0 to 1 (default 0.5), got ${show(minScore)}.`);
    options.minScore = n;
  }
  if (verifyUrl !== undefined) {
    if (!hasProtocol(verifyUrl, ['http:', 'https:'])) throw new ConfigError(`REGAL_BOT_VERIFY_URL must be an http(s) URL (default: the provider's siteverify endpoint), got ${show(verifyUrl)}.`);
    options.verifyUrl = verifyUrl;
  }
  return options;
}
