/**
 * The server the browser figures run against: the reference ingest server (Regal's
 * `/events`) with the relay mounted at `/regal` in front of it, the built bundles
 * (`/regal.min.js`) and the bench page, on 127.0.0.1, port 0. It counts the requests that
 * reach the relay and the bytes they carry.
 *
 * `limited: false` lifts both limits (reference server and relay) to measure the SDK and
 * the relay, not the pacing; `limited: true` keeps Regal's 300 requests/s on both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceServer } from '../../demo/server/reference-server';
import type { StoredEvent } from '../../demo/server/event-store';
import { createRelay, toNodeHandler } from '../../src/relay/index';
import { DIST } from './dist';
import { benchPages } from './pages';

export const REGAL_RATE_LIMIT = 300;
// The reference server's token bucket needs a finite rate (Infinity makes its arithmetic NaN).
const LIFTED = 1e9;
const API_KEY = 'bench-key';

export interface BenchServer {
  url: string;
  limited: boolean;
  /** POSTs that reached `/regal`, and their body bytes (Content-Length), since the last reset. */
  relayTraffic(): { requests: number; bytes: number };
  resetTraffic(): void;
  /** Forgets the record, the rate limiter and the traffic counters. */
  reset(): Promise<void>;
  /** What the reference server recorded, in arrival order. */
  events(): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export async function startBenchServer({ limited }: { limited: boolean }): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'regal-bench-'));
  let relay: NodeHandler | undefined;
  let requests = 0;
  let bytes = 0;
  const countingRelay: NodeHandler = (req, res) => {
    if (req.method === 'POST') {
      requests++;
      bytes += Number(req.headers['content-length'] ?? 0);
    }
    if (!relay) return void res.writeHead(503).end('relay not ready');
    return relay(req, res);
  };
  const server = await startReferenceServer({
    port: 0,
    host: '127.0.0.1',
    apiKey: API_KEY,
    dataDir,
    rateLimitPerSecond: limited ? REGAL_RATE_LIMIT : LIFTED,
    distDir: DIST,
    publicDir: join(process.cwd(), 'demo/public'),
    mounts: { '/regal': countingRelay, '/bench': benchPages },
    quiet: true,
  });
  // The relay forwards to this server's /events, known only once it listens.
  relay = toNodeHandler(
    createRelay({ apiKey: API_KEY, upstream: `${server.url}/events`, rateLimitPerSecond: limited ? REGAL_RATE_LIMIT : Infinity }),
  ) as NodeHandler;

  const stub = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}/_stub${path}`, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} /_stub${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };

  return {
    url: server.url,
    limited,
    relayTraffic: () => ({ requests, bytes }),
    resetTraffic() {
      requests = bytes = 0;
    },
    async reset() {
      await stub('', { method: 'DELETE' });
      requests = bytes = 0;
    },
    events: async () => (await stub('/events')).events as StoredEvent[],
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
