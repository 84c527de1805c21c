/**
 * The state the relay instances share: Redis when REGAL_REDIS_URL is set (any number of
 * instances: one dedupe, one rate schedule for the account), else this process's memory
 * (one instance only).
 */
import { createMemoryState, createRedisState, type RelayOptions } from '../relay/index';
import type { Logger } from './json-logger';

export interface ServiceState {
  kind: 'memory' | 'redis';
  /** What `createRelay` takes to use this state. */
  relayOptions: Partial<RelayOptions>;
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

export function createServiceState(redisUrl: string | undefined, _log: Logger): ServiceState {
  const state = redisUrl === undefined ? createMemoryState() : createRedisState({ url: redisUrl });
  return {
    kind: redisUrl === undefined ? 'memory' : 'redis',
    relayOptions: { state },
    ping: () => state.ping(),
    close: async () => {
      await (state as { close?: () => Promise<void> }).close?.();
    },
  };
}
