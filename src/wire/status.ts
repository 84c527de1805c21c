/**
 * The HTTP status vocabulary both halves share: which answers mean "done", and which mean
 * "the same request may succeed later". What each half then does (drop, reject, pause
 * every sender) is its own policy, named in its own module.
 */

/** 2xx: the receiver took the request (RFC 9110 §15.3). */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Worth sending again as it is: 408 (RFC 9110 §15.5.9: the server gave up waiting for the
 * request), 429 (RFC 6585 §4: over a rate limit) and 5xx (RFC 9110 §15.6: the server
 * failed). Any other 4xx will fail the same way again.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status < 600);
}
