/**
 * regal-browser/relay: the server half of relay mode.
 *
 * The browser SDK must not hold your Regal API key, and `sendBeacon` cannot send headers.
 * So the SDK posts batches of events to this relay on your own server (same origin: no
 * CORS preflight, beacons work), and the relay forwards them to Regal one event per
 * request, with the key, within Regal's rate limit, never forwarding the same messageId
 * twice, and answers which events were accepted, rejected, or should be sent again.
 *
 * The answer to a batch is 200 with a `RelayResult` in which every messageId of the batch
 * appears exactly once: `accepted` (Regal has it, now or from an earlier send), `rejected`
 * (final, with a reason such as `batch[2]: traits: ...` or `upstream 400: ...`) or `retry`
 * (not finished within `forwardTimeoutMs`, or Regal unavailable: send it again later, in
 * order). An event without a string messageId is `rejected` under `''`. Other answers are
 * errors `{message, code}`: 400 (malformed JSON or envelope), 403 (origin), 405, 413 (body
 * or batch too large), 415 (content type), 500 (internal; never a thrown exception).
 *
 * @example
 * // node:http
 * import http from 'node:http'
 * import { createRelay, toNodeHandler } from 'regal-browser/relay'
 * const relay = createRelay({ apiKey: process.env.REGAL_API_KEY! })
 * http.createServer(toNodeHandler(relay)).listen(3000)
 *
 * @example
 * // Express: mount it where the SDK's `endpoint` points
 * app.post('/regal', toNodeHandler(createRelay({ apiKey: process.env.REGAL_API_KEY!, trustProxy: 1 })))
 *
 * @example
 * // Web-standard runtimes (Next.js route handlers, Hono, Deno, Bun)
 * const relay = createRelay({ apiKey: process.env.REGAL_API_KEY!, fetch })
 * export const POST = (request: Request) => relay(request)
 */
export { createRelay } from './create-relay';
export { toNodeHandler, type NodeHandler, type NodeRequest } from './receive/node-adapter';
export { createMemoryDedupeStore, type MemoryDedupeStoreOptions } from './forward/dedupe-store';
export { createMemoryState, type MemoryStateOptions } from './state/memory-state';
export { createRedisState, type RedisCommandClient, type RedisStateOptions } from './state/redis-state';
export type { ClaimResult, RelayState } from './state/relay-state';
export type { FirstSightings, LimitAnswer, LimitState, MemberWindow } from './limits/limit-state';
export type { TokenLedger } from './bot-verification/verify-consent';
export { RELAY_COUNTERS, type RelayCounterName, type RelayMetrics, type RelayObservationName } from './metrics';
export type { DedupeStore, ForwardErrorInfo, Relay, RelayHandler, RelayOptions, RelayRequestInfo } from './types';
export type { RelayErrorCode } from './receive/respond';
export type { RelayBatch, RelayEvent, RelayResult } from '../wire/schema';
export type { VisitorCookieOptions } from './receive/visitor-cookie';
export { checkPhone, type PhoneCheck } from './phones/check-phone';
export type { PhoneWarning } from './phones/phone-warnings';
export type { PhoneCheckAnswer } from './phones/answer-phone-check';
