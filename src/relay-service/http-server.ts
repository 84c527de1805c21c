/**
 * The service's HTTP server: the relay at `/regal` (and its lead forms' phone check at
 * `/regal/phone-check`), `GET /healthz` and `GET /metrics`.
 *
 * While draining (after SIGTERM) it takes no new batch: the listening socket is closed (new
 * connections are refused), a batch arriving on a connection that was already open is
 * answered 503 with `Retry-After` (the SDK keeps the events and sends them again, to an
 * instance that is up), and each connection is closed once its last answer is written.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { NodeHandler } from '../relay/index';

export const RELAY_PATH = '/regal';
const PHONE_CHECK = `${RELAY_PATH}/phone-check`;

export interface ServiceServerOptions {
  relay: NodeHandler;
  /** Whether the shared store answers now (a ping with a short timeout). */
  storeReachable: () => Promise<boolean>;
  /** The exposition text of `GET /metrics`. */
  metrics: () => string;
}

export interface ServiceServer {
  readonly server: Server;
  /** Batches being forwarded right now. */
  readonly inFlight: () => number;
  readonly draining: () => boolean;
  /**
   * Stops taking batches and resolves once every batch taken has been answered, or after
   * `timeoutMs` (then the remaining connections are cut); resolves `true` when all were answered.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

export function createServiceServer({ relay, storeReachable, metrics }: ServiceServerOptions): ServiceServer {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | undefined;

  const server = createServer((req, res) => {
    const path = pathOf(req);
    if (path === RELAY_PATH || path === `${RELAY_PATH}/` || path === PHONE_CHECK) return serveBatch(req, res);
    if (path === '/healthz' && isRead(req)) return void health(res);
    if (path === '/metrics' && isRead(req)) return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics());
    if (path === '/healthz' || path === '/metrics') return json(res, 405, { message: `${req.method} is not supported here; use GET.`, code: 'method_not_allowed' }, { allow: 'GET, HEAD' });
    json(res, 404, { message: `Nothing at ${path}: the relay takes batches at POST ${RELAY_PATH} and phone checks at POST ${PHONE_CHECK}; also GET /healthz and GET /metrics.`, code: 'not_found' });
  });
  // Longer than the idle timeout of the proxies usually put in front (nginx 60 s upstream
  // keepalive, AWS ALB 60 s), so the proxy closes an idle connection first and never sends a
  // request on one the relay is closing at that very moment.
  server.keepAliveTimeout = 65_000;

  function serveBatch(req: IncomingMessage, res: ServerResponse): void {
    if (draining) {
      return json(res, 503, { message: 'This relay instance is shutting down; send the batch again (to another instance).', code: 'shutting_down' }, { 'retry-after': '1', connection: 'close' });
    }
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (draining) {
        server.closeIdleConnections();
        if (inFlight === 0) idle?.();
      }
    });
    relay(req, res);
  }

  async function health(res: ServerResponse): Promise<void> {
    if (draining) return json(res, 503, { status: 'draining' });
    const reachable = await storeReachable().catch(() => false);
    json(res, reachable ? 200 : 503, { status: reachable ? 'ok' : 'store_unreachable' });
  }

  return {
    server,
    inFlight: () => inFlight,
    draining: () => draining,
    drain(timeoutMs) {
      draining = true;
      server.close(); // no new connections; resolves its own callback once all are gone
      server.closeIdleConnections();
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          resolve(false);
        }, timeoutMs);
        idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
}

const isRead = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
