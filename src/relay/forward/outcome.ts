/**
 * What became of one event, as the browser will be told: `accepted` (Regal has it, now or
 * earlier), `rejected` (final: sending it again cannot help) or `retry` (not done, send it
 * again later). The `retry` reason is for logs only; the browser gets the id.
 */
export type Outcome =
  | { readonly status: 'accepted' }
  | { readonly status: 'rejected'; readonly reason: string }
  | { readonly status: 'retry'; readonly reason: string };

export const ACCEPTED: Outcome = { status: 'accepted' };

export const rejected = (reason: string): Outcome => ({ status: 'rejected', reason });

export const retry = (reason: string): Outcome => ({ status: 'retry', reason });

export const OUT_OF_TIME = retry('not forwarded within forwardTimeoutMs');
