/**
 * Opt-in stamping. Regal reads `voiceOptIn`, `smsOptIn` and `emailOptIn` per phone/email as
 * `{subscribed, timestamp, source}` (plus `text`, the consent wording). Consent is stamped
 * once, when it is given, with the time and the page it was given on; it is not re-stamped
 * on every later event.
 */
import type { OptInState } from '../../wire/schema';

/**
 * Turn what a caller passes as an opt-in into the state Regal stores: `true`/`false` become
 * `{subscribed}`; `timestamp` (the moment of consent) and `source` (the page URL) are added
 * from `at` unless the caller gave them; anything else (`text`, `ip`) is kept. Anything that
 * is not a boolean, or an object with a boolean `subscribed`, gives `undefined`: no opt-in.
 *
 * @example
 * stampOptIn(true, { timestamp: '2026-01-02T03:04:05.000Z', source: 'https://example.com/quote' })
 * // { subscribed: true, timestamp: '2026-01-02T03:04:05.000Z', source: 'https://example.com/quote' }
 */
export function stampOptIn(
  optIn: boolean | Partial<OptInState & { text?: string }> | undefined,
  at: { timestamp: string; source: string },
): OptInState | undefined {
  if (typeof optIn === 'boolean') optIn = { subscribed: optIn };
  // Regal's OptInState: `subscribed` a boolean, `timestamp` and `source` strings.
  if (!optIn || typeof optIn !== 'object' || typeof optIn.subscribed !== 'boolean') return undefined;
  const str = (v: unknown, fallback: string) => (typeof v === 'string' && v ? v : fallback);
  return { ...optIn, timestamp: str(optIn.timestamp, at.timestamp), source: str(optIn.source, at.source) };
}
