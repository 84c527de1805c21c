/**
 * `regal-relay`: the relay as a service, for sites that are not Node apps. Configured by
 * environment (see env-config.ts and the README):
 *
 *   REGAL_API_KEY=... REGAL_REDIS_URL=redis://127.0.0.1:6379 npx regal-relay
 *
 * POST /regal takes the SDK's batches, GET /healthz answers 200 while the relay can serve
 * (503 while its shared store is unreachable or it is stopping), GET /metrics is Prometheus
 * text. One JSON line per notable event on stdout. SIGTERM drains, then exits 0.
 */
import { ConfigError, readEnvConfig } from './env-config';
import { createJsonLogger, errorMessage } from './json-logger';
import { onShutdownSignals } from './shutdown';
import { startService } from './start-service';

declare const __VERSION__: string;

/**
 * The longest wait for the batches in flight at SIGTERM: the relay answers each batch within
 * its forward budget (10 s), and 5 s more covers reading the answers out. Within the 30 s
 * that Kubernetes, ECS and systemd give by default before they kill.
 */
const DRAIN_TIMEOUT_MS = 15_000;

const log = createJsonLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = readEnvConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`regal-relay: ${error.message}`);
    process.exit(1);
  }
  let running;
  try {
    running = await startService(config, log, typeof __VERSION__ === 'string' ? __VERSION__ : 'dev');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? `port ${config.port} is in use: set PORT to another one` : errorMessage(error);
    console.error(`regal-relay: cannot start: ${hint}`);
    log('error', 'start_failed', { error: hint });
    process.exit(1);
  }
  onShutdownSignals({ service: running.service, log, drainTimeoutMs: DRAIN_TIMEOUT_MS, close: running.close, exit: exitAfterOutput });
  // Only now: whoever waits for this line may stop the service right after it.
  log('info', 'start', running.startFields);
}

/** Exits once stdout has taken the last log line (a pipe may be asynchronous, e.g. on macOS). */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.exit(code));
  setTimeout(() => process.exit(code), 1_000).unref();
}

process.on('uncaughtException', (error) => {
  log('error', 'crash', { error: errorMessage(error) });
  process.exit(1);
});

void main();
