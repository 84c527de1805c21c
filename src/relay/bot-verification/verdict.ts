/**
 * What a bot verification concluded about one token:
 * - `passed`: a person solved the widget; the events it vouches for may go on;
 * - `failed`: the token is no good (forged, expired, used before, too low a score): the
 *   events it vouches for are `rejected` with the reason;
 * - `unavailable`: no answer could be had (provider down or slow, secret wrong): the events
 *   are answered `retry` (the browser keeps them) and the failure is reported.
 */
export type BotVerdict =
  | { readonly status: 'passed' }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'unavailable'; readonly reason: string; readonly error?: unknown };

export const PASSED: BotVerdict = { status: 'passed' };
