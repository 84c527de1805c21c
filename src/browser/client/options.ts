import type { RegalOptions } from '../types';

/** Regal's ingest endpoint, for direct mode. */
export const REGAL_EVENTS_URL = 'https://events.regalvoice.com/events';

/** The defaults, in one place; documented in the README's options table. */
export function resolveOptions(options: RegalOptions) {
  const mode = options.mode === 'direct' ? 'direct' : 'relay';
  return {
    ...options,
    mode,
    endpoint: options.endpoint || (mode === 'direct' ? REGAL_EVENTS_URL : '/regal'),
    apiKey: options.apiKey || '',
    eventSource: options.eventSource || 'Website',
    defaultCountry: (options.defaultCountry || 'US').toUpperCase(),
    holdUntilContactable: options.holdUntilContactable !== false,
    maxEvents: options.maxEvents || 1000,
    maxBytes: options.maxBytes || 2_000_000,
    maxAgeMs: options.maxAgeMs || 7 * 24 * 3600_000,
    // 100 events of ~300 bytes: 1,000 events in 10 requests, each well under the relay's limits.
    batchSize: mode === 'direct' ? 1 : options.batchSize || 100,
    batchBytes: options.batchBytes || 256_000,
    flushIntervalMs: options.flushIntervalMs ?? 250,
    storageName: options.storageName || 'regal-browser',
    // The script tag's data-cookie-domain="false" is a string.
    cookieDomain: options.cookieDomain === false || options.cookieDomain === 'false' ? false : options.cookieDomain || 'auto',
  } as const;
}
