/**
 * CORS for the reference server. Direct mode posts JSON with an `Authorization` header
 * from another origin, which the browser allows only after a preflight; the inspection
 * endpoints are read by pages on other ports too. The relay path does not need any of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './json-response';

export type AllowedOrigins = string[] | '*';

/** Preflight answers are cached for a day: the demo's policy never changes while it runs. */
const MAX_AGE_SECONDS = 86_400;

/** @example isOriginAllowed('http://localhost:3000', '*') // true */
export function isOriginAllowed(origin: string | undefined, allowed: AllowedOrigins): boolean {
  if (origin === undefined) return false;
  return allowed === '*' || allowed.includes(origin);
}

/**
 * Adds `Access-Control-Allow-Origin` (and `Vary`) to an actual response when the origin
 * is allowed. `Retry-After` is exposed so a page in direct mode can honour a 429.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: AllowedOrigins,
): void {
  const origin = req.headers.origin;
  if (!isOriginAllowed(origin, allowed)) return;
  res.setHeader('Access-Control-Allow-Origin', allowed === '*' ? '*' : origin!);
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  // A per-origin answer must not be served from a cache to another origin.
  if (allowed !== '*') res.setHeader('Vary', 'Origin');
}

/** Answers an `OPTIONS` request: 204 with the policy, or 403 for an origin not allowed. */
export function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  allowed: AllowedOrigins,
): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !isOriginAllowed(origin, allowed)) {
    const message = `Origin ${origin} is not allowed: add it to allowedOrigins`;
    sendError(res, 403, 'origin_not_allowed', message);
    return;
  }
  applyCors(req, res, allowed);
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type',
    'Access-Control-Max-Age': MAX_AGE_SECONDS,
    Allow: 'GET, POST, DELETE, OPTIONS',
  });
  res.end();
}
