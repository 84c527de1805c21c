// @vitest-environment node
// toNodeHandler behind the body parsers of Node frameworks, which may have read the stream
// before the relay sees the request.
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, toNodeHandler } from '../../../src/relay';
import { fakeUpstream, createFakeClock } from './helpers';

describe('toNodeHandler after a body parser', () => {
  it('answers (does not hang) when a body parser already read the stream and left req.body null', async () => {
    const upstream = fakeUpstream(createFakeClock());
    const relay = toNodeHandler(createRelay({ apiKey: 'k', fetch: upstream.fetch, rateLimitPerSecond: Infinity }));
    // A JSON body parser run before the relay (non-strict: the body `null` parses to null).
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        (req as any).body = null;
        relay(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const answer = await Promise.race([
        fetch(`http://127.0.0.1:${port}/regal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' }).then((r) => r.status),
        new Promise<string>((r) => setTimeout(() => r('no answer after 2 s'), 2000)),
      ]);
      // Waiting for the stream's 'end', which has already happened, would hang the request.
      expect(answer).toBe(400);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
