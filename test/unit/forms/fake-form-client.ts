import type { FormClient } from '../../../src/browser/forms/forms';

/**
 * A FormClient that records what a bound form asks of it, in order: `['identify', traits]`,
 * `['track', name, properties]`, `['flush', options]`, `['error', code, message, value]`.
 */
export function fakeFormClient(options: { defaultCountry?: string; relay?: string } = {}): FormClient & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    defaultCountry: options.defaultCountry ?? 'US',
    ...('relay' in options ? { relay: options.relay } : {}),
    identify: (traits) => calls.push(['identify', traits]),
    track: (name, properties) => calls.push(['track', name, properties]),
    flush: (flushOptions) => calls.push(['flush', flushOptions]),
    reportError: (code, message, value) => void calls.push(['error', code, message, value]),
  };
}
