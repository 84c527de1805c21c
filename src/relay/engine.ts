import { createPacer, type Pacer } from './upstream/pacer';
import { createSlots, type Slots } from './forward/slots';
import { createTimeouts, type Timeouts } from './upstream/timeouts';
import { fetchTransport, type Transport } from './upstream/transport';
import { nodeTransport } from './upstream/node-transport';
import type { RelayConfig } from './options';
import type { Outcome } from './forward/outcome';
import type { DedupeStore, ForwardErrorInfo } from './types';

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
  readonly dedupe: DedupeStore;
  readonly dedupeWindowMs: number;
  readonly upstreamTimeoutMs: number;
  readonly timeouts: Timeouts;
  /** messageId → the outcome of its forwarding, while it runs (a beacon and a retry racing). */
  readonly inFlight: Map<string, Promise<Outcome>>;
  /** Calls `onForwardError`; an error thrown by the hook is swallowed. */
  report(info: ForwardErrorInfo): void;
}

export function createEngine(config: RelayConfig): Engine {
  const { now, sleep, onForwardError } = config;
  return {
    now,
    random: config.random,
    sleep,
    pacer: createPacer({ ratePerSecond: config.rateLimitPerSecond, now, sleep }),
    slots: createSlots(config.concurrency),
    transport: pickTransport(config),
    dedupe: config.dedupe,
    dedupeWindowMs: config.dedupeWindowMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    timeouts: createTimeouts(now, sleep),
    inFlight: new Map(),
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

function pickTransport({ fetch, upstream, apiKey }: RelayConfig): Transport {
  if (fetch) return fetchTransport(fetch, upstream, apiKey);
  const onNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return onNode ? nodeTransport(upstream, apiKey) : fetchTransport(globalThis.fetch.bind(globalThis), upstream, apiKey);
}
