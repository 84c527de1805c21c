/**
 * Puts the service together: the relay (with the shared state and the metrics hook), the
 * store monitor, the HTTP server listening, and the forward-error log lines.
 */
import type { AddressInfo } from 'node:net';
import { createRelay, RELAY_COUNTERS, toNodeHandler, type ForwardErrorInfo } from '../relay/index';
import { resolveClientLimits } from '../relay/limits/client-limit-options';
import type { ServiceConfig } from './env-config';
import { createServiceServer, type ServiceServer } from './http-server';
import { errorMessage, type LogFields, type Logger } from './json-logger';
import { createMetricsRegistry, renderGauges } from './metrics-registry';
import { createServiceState, type ServiceState } from './service-state';
import { createStoreMonitor } from './store-monitor';

/** The counters the service feeds: what it answered, and what the relay reports as failures. */
const SERVICE_COUNTERS = [
  ...RELAY_COUNTERS.map((name) => ({ name, labelled: ['upstream_requests', 'limit_429s', 'events_held_back', 'bot_verifications', 'phone_warnings', 'phone_checks'].includes(name) })),
  { name: 'forward_errors', labelled: true },
];

export interface RunningService {
  service: ServiceServer;
  port: number;
  /** What the `start` log line says (logged by the caller once it handles SIGTERM). */
  startFields: LogFields;
  /**
   * Closes what outlives the HTTP answers: the store monitor, the relay's requests still in
   * flight upstream (awaited, with their marks), then the store connection.
   */
  close(): Promise<void>;
}

export async function startService(config: ServiceConfig, log: Logger, version: string): Promise<RunningService> {
  const startedAtMs = Date.now();
  const metrics = createMetricsRegistry(SERVICE_COUNTERS);
  const state: ServiceState = createServiceState(config.redisUrl, log);
  const relay = createRelay({
    apiKey: config.apiKey,
    upstream: config.upstream,
    allowedOrigins: config.allowedOrigins,
    trustProxy: config.trustProxy,
    rateLimitPerSecond: config.rateLimitPerSecond,
    limits: config.limits,
    botVerification: config.botVerification,
    ...state.relayOptions,
    metrics,
    onForwardError: (info) => {
      logForwardError(log, info);
      metrics.inc('forward_errors', 1, { status: info.status ?? 'none' });
    },
    // Counted by the relay (phone_warnings); logged here without the number, which is
    // personal data: the messageId finds the event.
    onPhoneWarning: (warning) => log('warn', 'phone_warning', { messageId: warning.messageId, code: warning.code, reason: warning.message }),
  });
  const monitor = createStoreMonitor(state, log);
  const service = createServiceServer({
    relay: toNodeHandler(relay),
    storeReachable: monitor.check,
    metrics: () => metrics.render(renderGauges({ storeUp: monitor.up(), batchesInFlight: service.inFlight(), draining: service.draining(), startedAtMs })),
  });
  await new Promise<void>((resolve, reject) => {
    service.server.once('error', reject);
    service.server.listen(config.port, config.host, () => {
      service.server.off('error', reject);
      resolve();
    });
  });
  const port = (service.server.address() as AddressInfo).port;
  const startFields: LogFields = {
    version,
    port,
    host: config.host ?? '(all interfaces)',
    upstream: withoutCredentials(config.upstream),
    state: state.kind,
    redis: config.redisUrl === undefined ? undefined : withoutCredentials(config.redisUrl),
    rateLimitPerSecond: config.rateLimitPerSecond ?? 300,
    allowedOrigins: config.allowedOrigins === undefined ? '(same origin only)' : config.allowedOrigins === '*' ? '*' : config.allowedOrigins.join(','),
    trustProxy: config.trustProxy,
    limits: describeLimits(config.limits),
    botVerification: config.botVerification === undefined ? 'off' : `${config.botVerification.provider}${config.botVerification.required === false ? ' (not required)' : ''}`,
  };
  return {
    service,
    port,
    startFields,
    async close() {
      monitor.stop();
      // Before the store: a request still in flight upstream needs it for its mark.
      await relay.close();
      await state.close();
    },
  };
}

/** A 429 is its own event (every instance pauses); other failures are `forward_error`. */
function logForwardError(log: Logger, info: ForwardErrorInfo): void {
  const fields = {
    messageId: info.messageId === '' ? undefined : info.messageId,
    attempt: info.attempt,
    status: info.status,
    reason: info.reason,
    error: info.error === undefined ? undefined : errorMessage(info.error),
    willRetry: info.willRetry,
  };
  if (info.status === 429) log('warn', 'upstream_429_pause', fields);
  else log(info.status !== undefined && info.status >= 500 ? 'warn' : 'error', 'forward_error', fields);
}

/** The limits in effect, for the start line: `batchesPerMinute=600 ...` (`off` for a limit turned off). */
function describeLimits(options: ServiceConfig['limits']): string {
  const limits = resolveClientLimits(options);
  return Object.entries(limits).map(([name, n]) => `${name}=${n === Infinity ? 'off' : n}`).join(' ');
}

/** A URL for a log line: no user name or password. */
function withoutCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return '(invalid URL)';
  }
}
