/**
 * A recording proxy for tests: stands between relays and an ingest server, notes when each
 * request arrived and how it was answered, and passes everything on unchanged. The
 * arrivals are what "at the ingest" means in the rate assertions: every request counts,
 * the ones answered 503 or 429 too.
 */
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  /** `performance.now()` when the request's body had arrived. */
  at: number;
  /** The ingest's status; 0 until it answered (or when it never did). */
  status: number;
  /** The request body as sent. */
  body: string;
}

export interface RecordingProxy {
  /** e.g. 'http://127.0.0.1:40123': the same paths as the target. */
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

/** @example const proxy = await startRecordingProxy(reference.url); createRelay({ upstream: `${proxy.url}/events`, ... }) */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const agent = new Agent({ keepAlive: true });
  const arrivals: Arrival[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const arrival: Arrival = { at: performance.now(), status: 0, body: body.toString('utf8') };
      arrivals.push(arrival);
      const forward = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers, agent }, (answer) => {
        arrival.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * The most times that fall within any 1 s window (`[t, t + 1000)`).
 *
 * @example busiestSecond([0, 10, 999, 1000]) // 3
 */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= 1_000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
