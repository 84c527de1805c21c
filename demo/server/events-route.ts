/**
 * `POST /events`, as Regal answers it. The checks run cheapest first, and nothing is read
 * from the body until the request has proved it may send one:
 * method (405) > injected faults > key (401) > rate limit (429) > content type (415) >
 * body size and time (413, 408) > JSON (400) > schema (400) > record > 200.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CustomEventSchema } from '../../src/wire/schema';
import { parseJsonBody } from './json-body';
import { sendError, sendJson, type ErrorCode } from './json-response';
import { planFaults } from './faults';
import { readBody } from './read-body';
import { MAX_BODY_BYTES, effectiveRateLimit, type ServerContext } from './server-context';
import { validationMessage } from './validation-message';

/** `application/json`, with or without parameters such as `charset=utf-8`. */
function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';')[0].trim().toLowerCase() === 'application/json';
}

/**
 * Handles one request to `/events`. Never throws for bad input: every refusal is an
 * answer with the OpenAPI Error body.
 */
export async function handleEvents(
  req: IncomingMessage,
  res: ServerResponse,
  context: ServerContext,
): Promise<void> {
  const { stats } = context;
  stats.request();
  const refuse = (
    status: number,
    code: ErrorCode,
    message: string,
    headers: Record<string, string | number> = {},
  ) => {
    stats.rejected(status);
    sendError(res, status, code, message, headers);
  };
  // After a refusal that leaves the body unread (too large, too slow), the connection is
  // closed rather than drained: reading the rest is what the limit is there to avoid.
  const closing = { Connection: 'close' };

  if (req.method !== 'POST') {
    refuse(405, 'method_not_allowed', `${req.method} is not allowed on /events; use POST`, {
      Allow: 'POST, OPTIONS',
    });
    return;
  }

  const fault = planFaults(context.faults, context.random);
  if (fault.drop) {
    stats.faultDrop();
    req.socket.destroy();
    return;
  }
  if (fault.latencyMs > 0) await sleep(fault.latencyMs, undefined, { signal: context.signal });
  if (fault.errorStatus !== undefined) {
    stats.faultError();
    const message = `Injected fault: answering ${fault.errorStatus} (see GET /_stub/faults)`;
    sendError(res, fault.errorStatus, 'fault_injected', message, { 'Retry-After': fault.errorRetryAfter });
    return;
  }

  // Regal takes the key bare: `Bearer <key>` is as wrong as no key.
  if (req.headers.authorization !== context.apiKey) {
    const given = req.headers.authorization === undefined ? 'Missing' : 'Wrong';
    refuse(401, 'unauthorized', `${given} API key: send it bare in the Authorization header`);
    return;
  }

  const decision = context.limiter.take(context.apiKey, effectiveRateLimit(context));
  if (!decision.allowed) {
    const limit = effectiveRateLimit(context);
    refuse(429, 'rate_limited', `Rate limit of ${limit} requests/second exceeded; retry later`, {
      'Retry-After': decision.retryAfterSeconds,
    });
    return;
  }

  if (!isJsonContentType(req.headers['content-type'])) {
    const given = req.headers['content-type'] ?? 'none';
    refuse(415, 'unsupported_media_type', `Content-Type must be application/json (got ${given})`);
    return;
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    refuse(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported`);
    return;
  }

  const body = await readBody(req, { maxBytes: MAX_BODY_BYTES, timeoutMs: context.bodyTimeoutMs });
  if (body.kind === 'aborted') return; // the client is gone: nobody to answer
  if (body.kind === 'too_large') {
    const message = `Body is larger than ${MAX_BODY_BYTES} bytes; send one event per request`;
    refuse(413, 'payload_too_large', message, closing);
    return;
  }
  if (body.kind === 'timeout') {
    const message = `Body not received within ${context.bodyTimeoutMs} ms`;
    refuse(408, 'request_timeout', message, closing);
    return;
  }

  const json = parseJsonBody(body.body);
  if (!json.ok) {
    refuse(400, json.code, json.message);
    return;
  }
  const parsed = CustomEventSchema.safeParse(json.value);
  if (!parsed.success) {
    refuse(400, 'invalid_body', validationMessage(parsed.error));
    return;
  }

  await context.store.record(parsed.data);
  stats.accepted();
  sendJson(res, 200, { status: 'accepted' });
}
