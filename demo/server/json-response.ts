/**
 * Writing JSON answers, and the OpenAPI `Error` body (`{message, code}`) that every non-200
 * answer of the reference server carries, so clients can rely on one error shape.
 */
import type { ServerResponse } from 'node:http';

/** Machine-readable error codes, one per way a request can fail. */
export type ErrorCode =
  | 'unauthorized'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'request_timeout'
  | 'rate_limited'
  | 'invalid_json'
  | 'nesting_too_deep'
  | 'invalid_body'
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'origin_not_allowed'
  | 'fault_injected'
  | 'internal_error';

/** Sends `body` as JSON with `status`; extra headers (e.g. `Retry-After`) are added as given. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    // Inspection answers change on every poll: never let a browser cache them.
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/**
 * Sends the OpenAPI `Error` body. Messages say what was wrong and what to do, because a
 * site owner reads them in the network tab.
 *
 * @example sendError(res, 401, 'unauthorized', 'Wrong API key: send it bare in Authorization')
 */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string | number> = {},
): void {
  sendJson(res, status, { message, code }, headers);
}
