/** The relay's answers: JSON, never cached, errors as the OpenAPI `Error` `{message, code}`. */

/** Machine-readable `code` of every error answer. */
export type RelayErrorCode =
  | 'forbidden_origin'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'too_many_events'
  | 'invalid_json'
  | 'invalid_batch'
  | 'invalid_phone_check'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export function jsonResponse(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** An error answer whose `message` tells the site owner what to change. */
export function errorResponse(status: number, code: RelayErrorCode, message: string, headers?: Record<string, string>): Response {
  return jsonResponse(status, { message, code }, headers);
}
