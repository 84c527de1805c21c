import type { IncomingMessage, ServerResponse } from 'node:http';
import { RELAY_LIMITS, type RelayLimits } from '../create-relay';
import { DEFAULT_MAX_BODY_BYTES } from '../options';
import type { RelayHandler } from '../types';

/** A Node request as Express and similar frameworks hand it over. */
export type NodeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/** `node:http` request listener and Express-style middleware in one. */
export type NodeHandler = (req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Mounts a relay handler on `node:http`, Express, Connect or Fastify's middie.
 *
 * The body: when a body parser ran before (`express.json()`, `express.text()`, `raw()`),
 * its `req.body` (object, string or Buffer) is used; otherwise the adapter reads the
 * stream itself. A parser that did not match the content type leaves the stream unread
 * (Express's `json()` sets `req.body = {}` for the SDK's `text/plain` beacons): an unread
 * stream is always read, so that case works too. The socket's peer address is passed as
 * `clientIp` (see `trustProxy` for proxies).
 *
 * `next(error)` is called only when the request itself fails (the client went away mid-body);
 * the relay's own answers, errors included, are written to `res`.
 *
 * @example
 * import http from 'node:http'
 * const relay = createRelay({ apiKey: process.env.REGAL_API_KEY! })
 * http.createServer(toNodeHandler(relay)).listen(3000)
 *
 * @example
 * app.post('/regal', toNodeHandler(relay)) // Express
 */
export function toNodeHandler(handler: RelayHandler): NodeHandler {
  const limit = (handler as unknown as { [RELAY_LIMITS]?: RelayLimits })[RELAY_LIMITS]?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res, next) => {
    serve(handler, limit, req, res).catch((error: unknown) => {
      if (next) return next(error);
      if (!res.headersSent) badRequest(res, `The request failed before it was read: ${error instanceof Error ? error.message : String(error)}`);
      else res.destroy();
    });
  };
}

function badRequest(res: ServerResponse, message: string): void {
  res.statusCode = 400;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ message, code: 'bad_request' }));
}

async function serve(handler: RelayHandler, limit: number, req: NodeRequest, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  // Only POST bodies matter to the relay (other methods get 405); a GET with a body cannot
  // even be expressed as a web Request.
  const body = method === 'POST' ? await bodyOf(req, limit) : undefined;
  if (method === 'POST' && body === undefined) {
    return badRequest(res, 'The request body was already read and req.body is empty: mount the relay before the body parser that consumed it, or use one that keeps the body (express.text(), express.json())');
  }
  const host = req.headers.host ?? 'localhost';
  const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http';
  let url: string;
  try {
    url = new URL(req.originalUrl ?? req.url ?? '/', `${scheme}://${host}`).href;
  } catch {
    url = `${scheme}://localhost/`; // a Host header that is not a host: the origin check still reads Host
  }
  const response = await handler(new Request(url, { method, headers, body }), { clientIp: req.socket?.remoteAddress });

  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(response.body === null ? undefined : await response.text());
}

/**
 * The body as text (`undefined` when the stream was consumed and `req.body` holds nothing);
 * past `limit` bytes, the first `limit + 1` bytes only, which the
 * handler answers with 413 (the rest is not read, and the answer closes the connection).
 */
function bodyOf(req: NodeRequest, limit: number): Promise<string> | string | undefined {
  const parsed = req.body;
  if (req.readableEnded || !req.readable) {
    if (typeof parsed === 'string') return parsed;
    if (parsed instanceof Uint8Array) return Buffer.from(parsed.buffer, parsed.byteOffset, parsed.byteLength).toString('utf8');
    if (parsed !== undefined && parsed !== null) return JSON.stringify(parsed);
    // Read by someone else, nothing left for us (a parser that turned `null` into null):
    // its 'end' has already fired, so waiting for the stream would hang the request.
    return undefined;
  }
  return readStream(req, limit);
}

function readStream(req: NodeRequest, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      req.off('data', onData);
      req.off('end', finish);
      req.off('error', reject);
      req.off('close', onClose);
      resolve(Buffer.concat(chunks, Math.min(size, limit + 1)).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > limit) {
        req.pause();
        finish();
      }
    };
    const onClose = () => {
      if (!req.readableEnded) reject(new Error('the client closed the connection before the body was complete'));
    };
    req.on('data', onData);
    req.on('end', finish);
    req.on('error', reject);
    req.on('close', onClose);
  });
}
