/**
 * The reference ingest server: Regal's `POST /events` as the OpenAPI describes it (bare
 * API key, zod validation, 64 KB bodies, 300 requests/second, identity resolution into
 * contacts), plus a durable record of every accepted event, an inspection API with fault
 * injection under `/_stub`, and the demo pages. `node:http` only.
 *
 * @example
 * const server = await startReferenceServer({ port: 0, dataDir: tmp, quiet: true });
 * await fetch(`${server.url}/events`, {
 *   method: 'POST',
 *   headers: { Authorization: server.apiKey, 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ traits: { phones: [{ phoneNumber: '+15551234567' }] } }),
 * });
 * await server.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { applyCors, answerPreflight } from './cors';
import { handleEvents } from './events-route';
import { openEventStore } from './event-store';
import { sendError } from './json-response';
import type { RandomSource } from './random';
import { createRateLimiter } from './rate-limiter';
import type { ServerContext } from './server-context';
import { handleStatic, type StaticRoots } from './static-routes';
import { createStats } from './stats';
import { handleStub } from './stub-routes';

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface ReferenceServerOptions {
  /** 0 picks a free port (tests). Default 8787. */
  port?: number;
  /** Default '127.0.0.1': the demo is never exposed beyond this machine. */
  host?: string;
  /** The key `/events` expects, bare, in `Authorization`. Default 'demo-key'. */
  apiKey?: string;
  /** Where `events.jsonl` lives. Default demo/.data (from process.cwd(), the repo root). */
  dataDir?: string;
  /** Token bucket per key; the burst equals the rate. Default 300, as at Regal. */
  rateLimitPerSecond?: number;
  /** CORS. Default '*'. */
  allowedOrigins?: string[] | '*';
  /** Static demo pages. Default demo/public. */
  publicDir?: string;
  /** Built bundles, served under /dist/* (and dist/regal.min.js at /regal.min.js). Default dist. */
  distDir?: string;
  /** Extra route prefixes, e.g. `{'/regal': relayNodeHandler}`, checked before everything else. */
  mounts?: Record<string, NodeHandler>;
  /** No request logging. */
  quiet?: boolean;
  /** How long a request body may take to arrive before a 408. Default 10 000 ms. */
  bodyTimeoutMs?: number;
  /** Random source of the fault injection (seed it to replay a run). Default Math.random. */
  random?: RandomSource;
}

export interface ReferenceServer {
  /** e.g. 'http://127.0.0.1:8787', without a trailing slash. */
  url: string;
  port: number;
  apiKey: string;
  /** Stops listening, cuts open connections and closes the record file. */
  close(): Promise<void>;
}

const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** A mount matches its prefix as whole segments: '/regal' takes '/regal/x', not '/regalia'. */
function findMount(mounts: Record<string, NodeHandler>, path: string): NodeHandler | undefined {
  for (const [prefix, handler] of Object.entries(mounts)) {
    const base = prefix.replace(/\/+$/, '');
    if (path === base || path.startsWith(`${base}/`)) return handler;
  }
  return undefined;
}

/** Starts the server; resolves once it listens and the record has been replayed. */
export async function startReferenceServer(
  options: ReferenceServerOptions = {},
): Promise<ReferenceServer> {
  const cwd = process.cwd();
  const apiKey = options.apiKey ?? 'demo-key';
  const store = await openEventStore(resolve(cwd, options.dataDir ?? 'demo/.data'));
  const shutdown = new AbortController();
  const context: ServerContext = {
    apiKey,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 300,
    allowedOrigins: options.allowedOrigins ?? '*',
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    store,
    limiter: createRateLimiter(() => performance.now()),
    stats: createStats(),
    random: options.random ?? Math.random,
    faults: {},
    signal: shutdown.signal,
  };
  const roots: StaticRoots = {
    publicDir: resolve(cwd, options.publicDir ?? 'demo/public'),
    distDir: resolve(cwd, options.distDir ?? 'dist'),
  };
  const mounts = options.mounts ?? {};

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      // Prefixing keeps a path such as '//evil.example/x' a path, not a host.
      url = new URL(`http://localhost${req.url ?? '/'}`);
    } catch {
      sendError(res, 400, 'bad_request', `Cannot parse the request target ${req.url}`);
      return;
    }
    const mount = findMount(mounts, url.pathname);
    if (mount) return mount(req, res);

    applyCors(req, res, context.allowedOrigins);
    if (req.method === 'OPTIONS') return answerPreflight(req, res, context.allowedOrigins);
    if (url.pathname === '/events') return handleEvents(req, res, context);
    if (url.pathname === '/_stub' || url.pathname.startsWith('/_stub/')) {
      return handleStub(req, res, url, context);
    }
    return handleStatic(req, res, url, roots);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    if (!options.quiet) {
      res.on('close', () => {
        const ms = Math.round(performance.now() - started);
        const status = res.headersSent ? res.statusCode : 'dropped';
        console.log(`${req.method} ${req.url} ${status} ${ms}ms`);
      });
    }
    route(req, res).catch((error: unknown) => {
      // A bug or a failed write must cost one request, never the server. Logged even when
      // quiet: `quiet` silences the request log, not failures.
      if (!shutdown.signal.aborted) console.error(error);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, 'internal_error', 'The reference server failed; see its log');
    });
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (error) {
    await store.close(); // e.g. EADDRINUSE: leave no open file behind
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    apiKey,
    async close() {
      shutdown.abort(); // ends injected latencies still waiting
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      });
      await store.close();
    },
  };
}
