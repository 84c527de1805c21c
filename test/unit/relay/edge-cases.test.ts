// @vitest-environment node
// Edge cases of the relay found by a review (each failed on the code as reviewed).
import { describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRelay, toNodeHandler } from '../../../src/relay';
import { event, fakeUpstream, createFakeClock, ok, setup, status } from './helpers';

const json = (response: Response) => response.json() as Promise<{ accepted: string[]; rejected: Array<{ messageId: string; reason: string }>; retry: string[] }>;

describe('relay', () => {
  it('caps an absurd upstream Retry-After instead of pausing every event for years', async () => {
    const { post, upstream, clock } = setup({ respond: (_call, i) => (i == 0 ? status(429, { message: 'slow down' }, { 'retry-after': '999999999' }) : ok()) });
    const first = await json(await post({ batch: [event('m1')] }));
    expect(first.retry).toEqual(['m1']);
    // Two hours later (the browser SDK caps the same header at one hour): the relay forwards again.
    await clock.advance(2 * 3600_000);
    const second = await json(await post({ batch: [event('m2', { userId: 'visitor-2' })] }));
    expect(upstream.calls.length).toBe(2);
    expect(second.accepted).toEqual(['m2']);
  });

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
      // Before the fix: the adapter waits for an 'end' that has already happened: the request hangs.
      expect(answer).toBe(400);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
