// @vitest-environment node
/**
 * The service's close (run at SIGTERM, once the batches are answered) waits for the relay's
 * requests still in flight upstream before closing the store: exiting with one in flight
 * would lose the record that Regal has the event, and the browser's resend would reach
 * Regal twice.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../../src/relay-service/start-service';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the service’s close', () => {
  it('waits for a request in flight upstream', async () => {
    const held: ServerResponse[] = [];
    const upstream = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      upstream.closeAllConnections();
      upstream.close();
    });
    const running: RunningService = await startService(
      {
        apiKey: 'test-key',
        port: 0,
        host: '127.0.0.1',
        upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/events`,
        redisUrl: undefined,
        allowedOrigins: undefined,
        trustProxy: false,
        rateLimitPerSecond: undefined,
        limits: undefined,
        botVerification: undefined,
      },
      () => {},
      'test',
    );
    cleanups.push(() => {
      running.service.server.closeAllConnections();
      running.service.server.close();
    });
    const batch = fetch(`http://127.0.0.1:${running.port}/regal`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ batch: [{ messageId: 'm1', name: 'Signed Up', userId: 'u1', traits: { phones: [{ phoneNumber: '+15555550123', isPrimary: true }] } }] }),
    });
    let answered: unknown;
    void batch.then(async (response) => (answered = await response.clone().json()));
    while (held.length === 0 && answered === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBeUndefined();

    let closed = false;
    const closing = running.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);

    held[0].writeHead(200, { 'content-type': 'application/json' }).end('{}');
    await closing;
    expect(await (await batch).json()).toMatchObject({ accepted: ['m1'] });
  });
});
