import { createPacer, type Pacer } from './upstream/pacer';
import { createSlots, type Slots } from './forward/slots';
import { createTimeouts, type Timeouts } from './upstream/timeouts';
import { fetchTransport, type Transport } from './upstream/transport';
import { nodeTransport } from './upstream/node-transport';
import type { RelayConfig } from './options';
import type { Outcome } from './forward/outcome';
import type { DedupeStore, ForwardErrorInfo } from './types';
import type { RelayCounterName, RelayMetrics, RelayObservationName } from './metrics';
import type { RelayState } from './state/relay-state';

/**
 * The state one relay instance shares across all its requests: one pacing schedule, one
 * bound on requests in flight, one dedupe store, the events being forwarded right now.
 * Sharing is the point: the limits are per Regal account, not per batch.
 */
export interface Engine {
  readonly now: () => number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly pacer: Pacer;
  readonly slots: Slots;
  readonly transport: Transport;
  readonly dedupe: DedupeStore | undefined;
  readonly dedupeWindowMs: number;
  readonly state: RelayState;
  /** How long a claim lasts: past it, no request of the claiming instance can still run. */
  readonly claimTtlMs: number;
  /** This instance's claim token. */
  readonly token: string;
  /** Upstream interval of the shared schedule in ms (0: unpaced). */
  readonly intervalMs: number;
  /** Calls the metrics sink; a sink that throws is ignored. */
  count(name: RelayCounterName, by?: number, labels?: Record<string, string>): void;
  observe(name: RelayObservationName, value: number): void;
  readonly upstreamTimeoutMs: number;
  readonly timeouts: Timeouts;
  /** messageId → the outcome of its forwarding, while it runs (a beacon and a retry racing). */
  readonly inFlight: Map<string, Promise<Outcome>>;
  /** Set by `closeForwarding`: no request leaves any more; those already sent are awaited. */
  closing: boolean;
  /** Calls `onForwardError`; an error thrown by the hook is swallowed. */
  report(info: ForwardErrorInfo): void;
}

export function createEngine(config: RelayConfig): Engine {
  const { now, sleep, onForwardError } = config;
  return {
    now,
    random: config.random,
    sleep,
    // With a shared state, its schedule paces every instance: a second, local schedule in
    // front of it would only add its own wait to each request (pauses still apply).
    pacer: createPacer({ ratePerSecond: config.state.shared ? Infinity : config.rateLimitPerSecond, now, sleep }),
    slots: createSlots(config.concurrency),
    transport: pickTransport(config),
    dedupe: config.dedupe,
    dedupeWindowMs: config.dedupeWindowMs,
    state: config.state,
    // The batch's budget, then its last request's timeout, then a margin for clock steps.
    claimTtlMs: config.forwardTimeoutMs + config.upstreamTimeoutMs + 1_000,
    token: randomToken(config.random),
    intervalMs: Number.isFinite(config.rateLimitPerSecond) ? 1000 / config.rateLimitPerSecond : 0,
    count: metricsCall(config.metrics, 'inc'),
    observe: metricsCall(config.metrics, 'observe'),
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    timeouts: createTimeouts(now, sleep),
    inFlight: new Map(),
    closing: false,
    report(info) {
      if (!onForwardError) return;
      try {
        onForwardError(info);
      } catch {
        // An observability hook must not break forwarding.
      }
    },
  };
}

function metricsCall<K extends keyof RelayMetrics>(metrics: RelayMetrics | undefined, method: K): NonNullable<RelayMetrics[K]> {
  const call = ((...args: unknown[]) => {
    try {
      (metrics?.[method] as ((...a: unknown[]) => void) | undefined)?.apply(metrics, args);
    } catch {
      // A metrics sink must not break forwarding.
    }
  }) as NonNullable<RelayMetrics[K]>;
  return call;
}

/** Tells this instance's claims from another's (only the claimer releases a claim). */
function randomToken(random: () => number): string {
  const uuid = (globalThis.crypto as Crypto | undefined)?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.floor(random() * 2 ** 52).toString(36)}`;
}

function pickTransport({ fetch, upstream, apiKey }: RelayConfig): Transport {
  if (fetch) return fetchTransport(fetch, upstream, apiKey);
  const onNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return onNode ? nodeTransport(upstream, apiKey) : fetchTransport(globalThis.fetch.bind(globalThis), upstream, apiKey);
}
