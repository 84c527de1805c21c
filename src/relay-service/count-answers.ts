/**
 * Counts what the relay answered, event by event (`events_accepted`, `events_rejected`,
 * `events_retry`), from the answers themselves: the figures a site owner compares with
 * what the SDK reports, whatever happens inside the relay.
 */
import type { RelayHandler, RelayResult } from '../relay/index';
import type { MetricsRegistry } from './metrics-registry';

export function countAnswers(relay: RelayHandler, metrics: Pick<MetricsRegistry, 'inc'>): RelayHandler {
  const counted: RelayHandler = async (request, info) => {
    const response = await relay(request, info);
    if (response.status !== 200) return response;
    try {
      const result = (await response.clone().json()) as RelayResult;
      metrics.inc('events_accepted', result.accepted.length);
      metrics.inc('events_rejected', result.rejected.length);
      metrics.inc('events_retry', result.retry.length);
    } catch {
      // Not a RelayResult (cannot happen with a 200): nothing to count.
    }
    return response;
  };
  // What the relay tells its adapters (its body limit, under a Symbol.for key) stays visible.
  for (const key of Object.getOwnPropertySymbols(relay)) {
    Object.defineProperty(counted, key, { value: (relay as unknown as Record<symbol, unknown>)[key] });
  }
  return counted;
}
