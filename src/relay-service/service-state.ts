/**
 * The state the relay instances share: Redis when REGAL_REDIS_URL is set, else this
 * process's memory (one instance only).
 */
import type { RelayOptions } from '../relay/index';
import type { Logger } from './json-logger';

export interface ServiceState {
  kind: 'memory' | 'redis';
  /** What `createRelay` takes to use this state. */
  relayOptions: Partial<RelayOptions>;
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

export function createServiceState(redisUrl: string | undefined, _log: Logger): ServiceState {
  if (redisUrl !== undefined) {
    throw new Error('REGAL_REDIS_URL is set, but this version of the relay cannot share its state in Redis yet: unset it to run one instance with its state in memory');
  }
  return { kind: 'memory', relayOptions: {}, ping: async () => true, close: async () => {} };
}
