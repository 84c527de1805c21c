import { afterEach, describe, expect, it } from 'vitest';
import type { LogFields, LogLevel } from '../../../src/relay-service/json-logger';
import { createStoreMonitor, type StoreMonitor } from '../../../src/relay-service/store-monitor';

let monitor: StoreMonitor | undefined;
afterEach(() => monitor?.stop());

function logger() {
  const lines: Array<{ level: LogLevel; event: string; fields?: LogFields }> = [];
  return { lines, log: (level: LogLevel, event: string, fields?: LogFields) => void lines.push({ level, event, fields }) };
}

describe('the store monitor', () => {
  it('logs store_down once when the store stops answering, and store_up once when it is back', async () => {
    let reachable = true;
    const { lines, log } = logger();
    monitor = createStoreMonitor({ ping: async () => (reachable ? 'PONG' : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'))) }, log, { intervalMs: 60_000 });
    expect(await monitor.check()).toBe(true);
    reachable = false;
    expect(await monitor.check()).toBe(false);
    expect(await monitor.check()).toBe(false);
    expect(monitor.up()).toBe(false);
    reachable = true;
    expect(await monitor.check()).toBe(true);
    expect(lines.map((l) => l.event)).toEqual(['store_down', 'store_up']);
    expect(lines[0]).toMatchObject({ level: 'error', fields: { error: 'connect ECONNREFUSED 127.0.0.1:6379' } });
    expect(lines[1].fields?.downMs).toBeGreaterThanOrEqual(0);
  });

  it('counts a ping that does not answer within the timeout, or answers false, as down', async () => {
    const { lines, log } = logger();
    monitor = createStoreMonitor({ ping: () => new Promise(() => {}) }, log, { intervalMs: 60_000, timeoutMs: 20 });
    expect(await monitor.check()).toBe(false);
    expect(lines[0].fields?.error).toBe('no answer within 20 ms');
    const other = createStoreMonitor({ ping: async () => false }, () => {}, { intervalMs: 60_000 });
    expect(await other.check()).toBe(false);
    other.stop();
  });
});
