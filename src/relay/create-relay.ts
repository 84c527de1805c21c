import { RelayBatchSchema, type RelayResult } from '../wire/schema';
import { clientIp } from './receive/client-ip';
import { createEngine, type Engine } from './engine';
import { forwardBatch } from './forward/forward-batch';
import { resolveOptions, type RelayConfig } from './options';
import { corsHeaders, isOriginAllowed, PREFLIGHT_HEADERS } from './receive/origin';
import { OUT_OF_TIME } from './forward/outcome';
import { formatIssues, prepareBatch, type PreparedBatch } from './receive/prepare-batch';
import { readBodyText, TOO_LARGE } from './receive/read-body';
import { errorResponse, jsonResponse } from './receive/respond';
import type { Relay, RelayHandler, RelayOptions, RelayRequestInfo } from './types';
import { closeForwarding } from './forward/close-forwarding';
import { abuseMetric, createAbuseGuard, type AbuseGuard, type Screening } from './limits/abuse-guard';
import type { LimitRefusal } from './limits/client-limits';
import { renewVisitorCookie } from './receive/visitor-cookie';
import { warnAccepted, type PhoneWarning } from './phones/phone-warnings';
import { answerPhoneCheck, isPhoneCheck } from './phones/answer-phone-check';

/**
 * Where `toNodeHandler` finds the body limit of a relay handler, to stop reading a body
 * that is too large before the handler sees it. `Symbol.for`, so it works across copies of
 * the package.
 */
export const RELAY_LIMITS = Symbol.for('regal-browser/relay.limits');

export interface RelayLimits {
  maxBodyBytes: number;
}

const ALLOW = 'POST, OPTIONS';

/**
 * Creates the relay: a web-standard handler that takes the SDK's batches and forwards each
 * event to Regal (see `RelayOptions`). One relay per process: its rate limit, concurrency
 * bound and dedupe memory are shared by all requests it serves.
 *
 * Throws (at startup) on invalid options; the returned handler never throws. `close()` stops
 * it gracefully (see `Relay`).
 */
export function createRelay(options: RelayOptions): Relay {
  const config = resolveOptions(options);
  const engine = createEngine(config);
  const guard = createAbuseGuard({
    limits: config.limits,
    botVerification: config.botVerification,
    // The relay's state counts the limits too: in Redis, every instance counts together.
    state: config.state.limits,
    now: config.now,
    report: engine.report,
    count: (what) => {
      try {
        options.metrics?.inc?.(...withOne(abuseMetric(what)));
      } catch {
        // A metrics hook must not break the relay.
      }
    },
  });
  const handler: RelayHandler = async (request, info) => {
    const response = await handle(config, engine, guard, request, info);
    try {
      const cookie = config.visitorCookie && request.method === 'POST' && renewVisitorCookie(config.visitorCookie, request);
      if (cookie) response.headers.append('set-cookie', cookie);
    } catch {
      // A response whose headers cannot change: answered without the renewal.
    }
    return response;
  };
  const limits: RelayLimits = { maxBodyBytes: config.maxBodyBytes };
  Object.defineProperty(handler, RELAY_LIMITS, { value: limits });
  return Object.assign(handler, { close: () => closeForwarding(engine) });
}

async function handle(config: RelayConfig, engine: Engine, guard: AbuseGuard, request: Request, info: RelayRequestInfo | undefined): Promise<Response> {
  let cors: Record<string, string> = {};
  try {
    const origin = request.headers.get('origin');
    if (!isOriginAllowed(origin, config.allowList, ownHosts(config, request))) {
      return errorResponse(403, 'forbidden_origin', `Pages from ${origin} may not post to this relay. Add the origin to allowedOrigins in createRelay() if they should.`);
    }
    cors = corsHeaders(origin);
    if (request.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: { allow: ALLOW, ...cors, ...(origin === null ? {} : PREFLIGHT_HEADERS) } });
    }
    if (request.method !== 'POST') {
      return errorResponse(405, 'method_not_allowed', `${request.method} is not supported; the relay takes POST with {"batch": [...]}.`, { allow: ALLOW, ...cors });
    }
    const type = (request.headers.get('content-type') ?? '').split(';', 1)[0].trim().toLowerCase();
    if (type !== '' && type !== 'text/plain' && type !== 'application/json') {
      return errorResponse(415, 'unsupported_media_type', `Content-Type ${type} is not supported; send the batch as JSON text (text/plain or application/json).`, cors);
    }
    const ip = clientIp(request.headers.get('x-forwarded-for'), info?.clientIp, config.trustProxy);
    // A form's phone check (`<relay>/phone-check`): its own per-IP limit, nothing forwarded.
    const phoneCheck = isPhoneCheck(request.url);
    let tooMany: LimitRefusal | undefined;
    try {
      tooMany = await (phoneCheck ? guard.admitPhoneCheck(ip) : guard.admitRequest(ip));
    } catch (error) {
      return stateFailed(engine, error, cors);
    }
    if (tooMany) return refusalResponse(tooMany, cors);
    if (phoneCheck) return await answerPhoneCheck(request, cors, (result) => engine.count('phone_checks', 1, { result }));
    const text = await readBodyText(request, config.maxBodyBytes);
    if (text === TOO_LARGE) {
      return errorResponse(413, 'payload_too_large', `The body is larger than ${config.maxBodyBytes} bytes (maxBodyBytes); send smaller batches.`, { ...cors, connection: 'close' });
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(text);
    } catch (error) {
      return errorResponse(400, 'invalid_json', `The body is not valid JSON (${error instanceof Error ? error.message : 'unreadable'}); send {"batch": [...]}.`, cors);
    }
    const events = (envelope as { batch?: unknown } | null)?.batch;
    if (Array.isArray(events) && events.length > config.maxBatchEvents) {
      return errorResponse(413, 'too_many_events', `The batch holds ${events.length} events, more than ${config.maxBatchEvents} (maxBatchEvents); send smaller batches.`, cors);
    }
    const parsed = RelayBatchSchema.safeParse(envelope);
    if (!parsed.success) {
      return errorResponse(400, 'invalid_batch', `Expected {"batch": [event, ...], "sentAt"?: string}: ${formatIssues(parsed.error.issues)}`, cors);
    }

    const prepared = prepareBatch(parsed.data.batch, ip);
    let screening: Screening;
    try {
      screening = await guard.screen(ip, prepared.events);
    } catch (error) {
      return stateFailed(engine, error, cors);
    }
    if (screening.refusal) return refusalResponse(screening.refusal, cors);
    for (const [index, outcome] of screening.held) prepared.outcomes[index] = outcome;
    const jobs = screening.held.size === 0 ? prepared.jobs : prepared.jobs.filter((job) => !screening.held.has(job.index));
    await forwardBatch(engine, jobs, prepared.outcomes, engine.now() + config.forwardTimeoutMs);
    const result = toResult(prepared);
    engine.count('events_accepted', result.accepted.length);
    engine.count('events_rejected', result.rejected.length);
    engine.count('events_retry', result.retry.length);
    warnAccepted(
      result,
      prepared.events.map(({ event }) => event),
      (warning) => phoneWarned(config, engine, warning),
    );
    const pause = engine.pacer.pauseLeft();
    // A hint for the browser's backoff: Regal asked the relay to pause this long.
    const hint = result.retry.length > 0 && pause > 0 ? { 'retry-after': String(Math.ceil(pause / 1000)) } : undefined;
    return jsonResponse(200, result, { ...cors, ...hint });
  } catch (error) {
    engine.report({ messageId: '', attempt: 0, error, reason: `internal: ${error instanceof Error ? error.message : String(error)}`, willRetry: false });
    return errorResponse(500, 'internal', 'The relay failed unexpectedly. Send the batch again: events it already forwarded are answered as accepted, not sent twice.', cors);
  }
}

/** Counts a phone warning and tells `onPhoneWarning`, whose errors are ignored. */
function phoneWarned(config: RelayConfig, engine: Engine, warning: PhoneWarning): void {
  engine.count('phone_warnings', 1, { code: warning.code });
  try {
    config.onPhoneWarning?.(warning);
  } catch {
    // A logging hook that throws must not cost the answer.
  }
}

const withOne = ([name, labels]: [string, Record<string, string>]): [string, number, Record<string, string>] => [name, 1, labels];

/** 429 with `Retry-After` in whole seconds (at least 1): the browser keeps the events and sends them then. */
function refusalResponse(refusal: LimitRefusal, cors: Record<string, string>): Response {
  return errorResponse(429, 'too_many_requests', refusal.message, { ...cors, 'retry-after': String(Math.max(1, Math.ceil(refusal.retryAfterMs / 1000))) });
}

/**
 * The shared state behind the limits did not answer: never forward unguarded. 503 with
 * `Retry-After`: the browser keeps the batch and sends it again (the state's client
 * reconnects by itself meanwhile); reported and counted as a state error.
 */
function stateFailed(engine: Engine, error: unknown, cors: Record<string, string>): Response {
  engine.count('state_errors');
  engine.report({ messageId: '', attempt: 0, error, reason: `limits: the relay's state failed: ${error instanceof Error ? error.message : String(error)}`, willRetry: false });
  return errorResponse(503, 'unavailable', "The relay's shared state did not answer, so it cannot check its limits; send the batch again later.", { ...cors, 'retry-after': '5' });
}

/** Reads the outcomes at this moment: anything still unfinished is `retry`. */
function toResult({ ids, outcomes }: PreparedBatch): RelayResult {
  const result: RelayResult = { accepted: [], rejected: [], retry: [] };
  for (let i = 0; i < ids.length; i++) {
    const messageId = ids[i];
    if (messageId === null) continue;
    const outcome = outcomes[i] ?? OUT_OF_TIME;
    if (outcome.status === 'accepted') result.accepted.push(messageId);
    else if (outcome.status === 'rejected') result.rejected.push({ messageId, reason: outcome.reason });
    else result.retry.push(messageId);
  }
  return result;
}

/** The names the relay's own origin goes by, for the same-origin check (parsed only when needed). */
function ownHosts(config: RelayConfig, request: Request): () => Array<string | null | undefined> {
  return () => {
    const hosts: Array<string | null | undefined> = [request.headers.get('host')];
    try {
      hosts.push(new URL(request.url).host);
    } catch {
      // A relative or odd URL from a hand-built Request: Host alone decides.
    }
    if (config.trustProxy) hosts.push(request.headers.get('x-forwarded-host')?.split(',', 1)[0]);
    return hosts;
  };
}
