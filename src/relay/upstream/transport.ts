/**
 * How one serialized event reaches Regal. Two implementations: `fetchTransport` (any
 * `fetch`, injectable for tests and non-Node runtimes) and `nodeTransport` (the default on
 * Node, see there why).
 */

/** What the retry logic needs from an upstream answer. */
export interface UpstreamResponse {
  status: number;
  retryAfter: string | null;
  /** The body of a non-2xx answer (up to a few KB, for the rejection reason); `''` for 2xx. */
  body: string;
}

/** One request on its way: its answer (rejects on network errors and after `abort`), and how to stop it. */
export interface UpstreamRequest {
  readonly response: Promise<UpstreamResponse>;
  abort(): void;
}

/** Posts one JSON body upstream. */
export type Transport = (body: string) => UpstreamRequest;

/** Longest upstream error body kept for a rejection reason. */
export const MAX_ERROR_BODY_CHARS = 4096;

/** The request headers of Regal's ingest: JSON, and the key bare (no `Bearer`). */
export function upstreamHeaders(apiKey: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: apiKey };
}

/**
 * @example
 * const transport = fetchTransport(fetch, 'https://events.regalvoice.com/events', apiKey)
 */
export function fetchTransport(fetchImpl: typeof fetch, upstream: string, apiKey: string): Transport {
  const headers = upstreamHeaders(apiKey);
  const send = async (body: string, signal: AbortSignal): Promise<UpstreamResponse> => {
    const response = await fetchImpl(upstream, { method: 'POST', headers, body, signal });
    const ok = response.status >= 200 && response.status < 300;
    let text = '';
    try {
      // Read the body even when unused: an unread body keeps the connection from being reused.
      if (ok) await response.arrayBuffer();
      else text = (await response.text()).slice(0, MAX_ERROR_BODY_CHARS);
    } catch {
      // The status is the answer; a body cut short does not change it.
    }
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: text };
  };
  return (body) => {
    const controller = new AbortController();
    return { response: send(body, controller.signal), abort: () => controller.abort(new Error('upstream request aborted')) };
  };
}
