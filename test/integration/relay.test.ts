/**
 * The relay over real HTTP: mounted with `toNodeHandler` on `node:http`, forwarding with its
 * default transport (node:http, keep-alive) to a tiny local upstream, and then to the
 * reference ingest server with injected faults, where every event must arrive exactly once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../demo/server/reference-server';
import { createRelay, toNodeHandler, type NodeHandler, type RelayOptions, type RelayResult } from '../../src/relay/index';

const servers: Server[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

afterAll(async () => {
  await Promise.all(
    servers.map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, any>;
}

/** A stand-in for Regal: records each event, answers with `answer` (200 by default). */
async function startUpstream(answer: (body: Record<string, any>, index: number) => number = () => 200) {
  const received: Received[] = [];
  let connections = 0;
  const { server, url } = await listen((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text);
      const status = answer(body, received.length);
      if (status === 200) received.push({ headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"status":"accepted"}' : `{"message":"status ${status}","code":"test"}`);
    });
  });
  server.on('connection', () => connections++);
  return { url: `${url}/events`, received, connections: () => connections };
}

async function startRelay(options: Partial<RelayOptions> & { upstream: string }, wrap: (handler: NodeHandler) => NodeHandler = (h) => h) {
  const handler = wrap(toNodeHandler(createRelay({ apiKey: 'integration-key', ...options })));
  const { url } = await listen((req, res) => handler(req, res));
  return `${url}/regal`;
}

function event(messageId: string, visitor: string, n: number, extra: Record<string, unknown> = {}) {
  return {
    messageId,
    userId: visitor,
    // A number Regal can dial: an unassigned one (+1 555...) would add a phone warning to the answer.
    traits: { phones: [{ phoneNumber: `+1415${2_000_000 + visitor.length * 1000 + n}`, smsOptIn: { subscribed: true } }] },
    name: 'Lead Form Submitted',
    properties: { visitor, n },
    ...extra,
  };
}

async function postBatch(url: string, batch: unknown[], headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers }, body: JSON.stringify({ batch }) });
}

describe('relay over node:http, with a local upstream', () => {
  it('forwards a text/plain batch one event per request: key bare, messageId stripped, socket IP stamped', async () => {
    const upstream = await startUpstream();
    const relay = await startRelay({ upstream: upstream.url });
    const response = await postBatch(relay, [event('m1', 'ann', 1), event('m2', 'bob', 1)]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: ['m1', 'm2'], rejected: [], retry: [] });
    expect(upstream.received).toHaveLength(2);
    for (const { headers, body } of upstream.received) {
      expect(headers.authorization).toBe('integration-key');
      expect(headers['content-type']).toBe('application/json');
      expect(body).not.toHaveProperty('messageId');
      expect(body.traits.phones[0].smsOptIn).toEqual({ subscribed: true, ip: '127.0.0.1' });
    }
  });

  it('keeps upstream connections alive across events and batches', async () => {
    const upstream = await startUpstream();
    const relay = await startRelay({ upstream: upstream.url, concurrency: 8, rateLimitPerSecond: Infinity });
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 40 }, (_, i) => event(`ka-${b}-${i}`, `v${i}`, b));
      expect((await (await postBatch(relay, batch)).json()).accepted).toHaveLength(40);
    }
    expect(upstream.received).toHaveLength(200);
    expect(upstream.connections()).toBeLessThanOrEqual(8);
  });

  it('retries an upstream 503 and answers retry when the upstream cannot be reached', async () => {
    let failures = 0;
    const upstream = await startUpstream((body) => (body.properties.n === 1 && failures++ < 2 ? 503 : 200));
    const relay = await startRelay({ upstream: upstream.url });
    expect(await (await postBatch(relay, [event('r1', 'ann', 1)])).json()).toMatchObject({ accepted: ['r1'] });
    expect(failures).toBe(3);

    const dead = await listen(() => {});
    await new Promise((resolve) => dead.server.close(resolve)); // a port nobody listens on
    const unreachable = await startRelay({ upstream: `${dead.url}/events`, forwardTimeoutMs: 600 });
    const started = performance.now();
    expect(await (await postBatch(unreachable, [event('r2', 'ann', 2)])).json()).toEqual({ accepted: [], rejected: [], retry: ['r2'] });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("reads the body itself when a JSON parser left it unread (Express's json() on a text/plain beacon)", async () => {
    const upstream = await startUpstream();
    const relay = await startRelay({ upstream: upstream.url }, (handler) => (req, res) => {
      (req as { body?: unknown }).body = {}; // what body-parser's json() does for other content types
      handler(req, res);
    });
    expect(await (await postBatch(relay, [event('p1', 'ann', 1)])).json()).toMatchObject({ accepted: ['p1'] });
  });

  it('uses a body that a parser already read, as an object or as text', async () => {
    const upstream = await startUpstream();
    const parsing = (as: 'object' | 'text') => (handler: NodeHandler) => (req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        (req as { body?: unknown }).body = as === 'object' ? JSON.parse(text) : text;
        handler(req, res);
      });
    };
    const asObject = await startRelay({ upstream: upstream.url }, parsing('object'));
    const asText = await startRelay({ upstream: upstream.url }, parsing('text'));
    expect(await (await postBatch(asObject, [event('o1', 'ann', 1)])).json()).toMatchObject({ accepted: ['o1'] });
    expect(await (await postBatch(asText, [event('t1', 'ann', 2)])).json()).toMatchObject({ accepted: ['t1'] });
  });

  it('answers 413 to an oversized chunked body without reading all of it, and closes the connection', async () => {
    const upstream = await startUpstream();
    const relay = new URL(await startRelay({ upstream: upstream.url, maxBodyBytes: 10_000 }));
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: relay.hostname, port: relay.port, path: relay.pathname, method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      req.write(`{"batch":[{"messageId":"big","traits":{},"properties":{"pad":"`);
      req.write('x'.repeat(20_000)); // chunked: no Content-Length announces the size
      // Never ended: the relay must answer without waiting for the rest.
    });
    expect(answer.status).toBe(413);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'payload_too_large' });
    expect(upstream.received).toHaveLength(0);
  });

  it('answers 405, 403 and preflights through the adapter', async () => {
    const upstream = await startUpstream();
    const relay = await startRelay({ upstream: upstream.url, allowedOrigins: ['https://www.shop.example'] });
    const get = await fetch(relay);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await postBatch(relay, [event('x', 'ann', 1)], { origin: 'https://evil.example' })).status).toBe(403);
    const preflight = await fetch(relay, { method: 'OPTIONS', headers: { origin: 'https://www.shop.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-max-age')).toBe('86400');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://www.shop.example');
  });

  it('passes a request that fails mid-body to next(error), Express-style', async () => {
    const upstream = await startUpstream();
    const handler = toNodeHandler(createRelay({ apiKey: 'k', upstream: upstream.url }));
    const nextCalled = new Promise<unknown>((resolve) => {
      void listen((req, res) => handler(req, res, resolve)).then(({ url }) => {
        const target = new URL(url);
        const req = httpRequest({ host: target.hostname, port: target.port, method: 'POST', headers: { 'content-length': '1000' } });
        req.on('error', () => {});
        req.write('{"batch":[');
        setTimeout(() => req.destroy(), 50);
      });
    });
    expect(await nextCalled).toBeInstanceOf(Error);
  });
});

describe('relay in front of the reference ingest server, under faults', () => {
  let reference: ReferenceServer;
  let dataDir: string;
  let relay: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-it-'));
    reference = await startReferenceServer({ port: 0, dataDir, apiKey: 'ref-key', quiet: true });
    // Every simulated visitor posts from 127.0.0.1 here: per-client limits are for real clients
    // (tested in relay-abuse*.test.ts), not for this test of forwarding under faults.
    relay = await startRelay({ apiKey: 'ref-key', upstream: `${reference.url}/events`, forwardTimeoutMs: 3_000, limits: false });
  });

  afterAll(async () => {
    await reference?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function stubEvents(): Promise<Array<Record<string, any>>> {
    return ((await (await fetch(`${reference.url}/_stub/events`)).json()) as { events: Array<Record<string, any>> }).events;
  }

  it('delivers ~500 events exactly once and in order per visitor when the client resends what was answered retry', async () => {
    const faults = await fetch(`${reference.url}/_stub/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 0.3, dropRate: 0.05 }) });
    expect(faults.status).toBe(200);
    const before = (await stubEvents()).length;

    const VISITORS = 50;
    const PER_VISITOR = 10;
    let relayRequests = 0;
    // Each visitor is one browser: it sends its own events, and resends the `retry` ones.
    const visitor = async (v: number) => {
      let pending = Array.from({ length: PER_VISITOR }, (_, n) => event(`v${v}-e${n}`, `visitor-${v}`, n));
      for (let round = 0; pending.length > 0; round++) {
        expect(round).toBeLessThan(30);
        relayRequests++;
        const result = (await (await postBatch(relay, pending)).json()) as RelayResult;
        expect(result.rejected).toEqual([]);
        const retry = new Set(result.retry);
        pending = pending.filter((e) => retry.has(e.messageId));
      }
    };
    await Promise.all(Array.from({ length: VISITORS }, (_, v) => visitor(v)));
    await fetch(`${reference.url}/_stub/faults`, { method: 'DELETE' });

    const recorded = (await stubEvents()).slice(before);
    const keys = recorded.map((e) => `${e.properties.visitor}#${e.properties.n}`);
    expect(new Set(keys).size).toBe(keys.length); // none twice
    expect(keys).toHaveLength(VISITORS * PER_VISITOR); // none missing
    for (let v = 0; v < VISITORS; v++) {
      const order = recorded.filter((e) => e.properties.visitor === `visitor-${v}`).map((e) => e.properties.n);
      expect(order).toEqual(Array.from({ length: PER_VISITOR }, (_, n) => n));
    }
    expect(recorded.every((e) => !('messageId' in e))).toBe(true);
    const stats = (await (await fetch(`${reference.url}/_stub/stats`)).json()) as { faults?: { errors?: number; drops?: number } };
    expect(stats.faults?.errors ?? 0).toBeGreaterThan(50); // the faults really happened
    expect(stats.faults?.drops ?? 0).toBeGreaterThan(0);
    console.log(`500 events: ${relayRequests} relay requests, faults ${JSON.stringify(stats.faults)}`);
  });

  it('forwards a batch once when a beacon and a retry of it race', async () => {
    const before = (await stubEvents()).length;
    const batch = Array.from({ length: 20 }, (_, n) => event(`race-${n}`, 'racer', n));
    const results = await Promise.all([postBatch(relay, batch), postBatch(relay, batch), postBatch(relay, batch)].map(async (r) => (await r).json() as Promise<RelayResult>));
    for (const result of results) expect(result.accepted).toHaveLength(20);
    expect((await stubEvents()).slice(before)).toHaveLength(20);
  });
});
