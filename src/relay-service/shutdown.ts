/**
 * SIGTERM (and SIGINT, for Ctrl-C): stop taking batches, let the batches already taken be
 * answered (each within the relay's forward budget: forwarded, or `retry` for what is not
 * done), wait for the requests still in flight upstream and their marks (a batch answered
 * at its deadline can leave one running: exiting then would lose the record that Regal
 * has the event, and the browser's resend would reach Regal twice), close the shared
 * store, exit 0. A second signal exits at once, with 1.
 */
import type { Logger } from './json-logger';
import type { ServiceServer } from './http-server';

export interface ShutdownOptions {
  service: ServiceServer;
  log: Logger;
  /** Longest wait for the batches in flight; then their connections are cut. */
  drainTimeoutMs: number;
  /** Everything to close after the batches are answered: the relay (`relay.close()`: its requests in flight upstream), then the store. */
  close: () => Promise<void>;
  exit: (code: number) => void;
}

export function onShutdownSignals({ service, log, drainTimeoutMs, close, exit }: ShutdownOptions): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log('warn', 'stop', { signal, forced: true, inFlight: service.inFlight() });
      return exit(1);
    }
    stopping = true;
    const started = Date.now();
    log('info', 'stopping', { signal, inFlight: service.inFlight() });
    const answered = await service.drain(drainTimeoutMs);
    let closeError: string | undefined;
    try {
      await close();
    } catch (error) {
      closeError = error instanceof Error ? error.message : String(error);
    }
    log(answered && !closeError ? 'info' : 'warn', 'stop', { signal, ms: Date.now() - started, allAnswered: answered, closeError });
    exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}
