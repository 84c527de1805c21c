/**
 * The relay alone in a process (node:http + `toNodeHandler(createRelay(...))`), so that its
 * CPU time and memory can be read without the load generator's or the upstream's.
 *
 *   node --expose-gc relay-process.js '{"upstream":"http://...","rateLimitPerSecond":null}'
 *   (null: Infinity; "redisUrl": "redis://..." keeps the state in Redis) prints {"port":N}
 *   once listening. Besides the relay (any other path):
 *   GET /_bench/usage      {cpuMs, memory, busy}: CPU time so far, process.memoryUsage(), and
 *                          relay requests not yet answered
 *   GET /_bench/usage?gc   the same after a full GC (for the memory figure)
 *   GET /_bench/loop       {p99Ms, maxMs}: event-loop delay since the last look (a late
 *                          timer is a late paced request)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRedisState, createRelay, toNodeHandler } from '../../src/relay/index';

const options = JSON.parse(process.argv[2] ?? '{}') as { upstream: string; rateLimitPerSecond?: number | null; concurrency?: number; redisUrl?: string };
const relay = toNodeHandler(
  createRelay({
    apiKey: 'bench-key',
    upstream: options.upstream,
    rateLimitPerSecond: options.rateLimitPerSecond ?? Infinity,
    // Shared with the other instances of the run when given (createRedisState); else memory.
    ...(options.redisUrl ? { state: createRedisState({ url: options.redisUrl }) } : {}),
    // The load generator is one address posting for thousands of visitors: not a client.
    limits: false,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  }),
);
let busy = 0;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();

const gc = (globalThis as { gc?: () => void }).gc;

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.url?.startsWith('/_bench/usage')) {
    if (req.url.endsWith('?gc') && gc) gc(), gc();
    const cpu = process.cpuUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, memory: process.memoryUsage(), busy }));
    return;
  }
  if (req.url === '/_bench/loop') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 }));
    loop.reset();
    return;
  }
  busy++;
  res.on('close', () => busy--);
  relay(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
