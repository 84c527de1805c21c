/**
 * A stand-in for Regal's `/events` in a process of its own (so its CPU time is not the
 * relay's): answers every POST 200 `{"status":"accepted"}`, after `latencyMs` when asked
 * to be slow, and records when each request arrived.
 *
 *   node upstream-process.js '{"latencyMs":0}'    prints {"port":N} once listening
 *   GET  /_count    {count}
 *   GET  /_times    {times}: arrival times (ms, performance.now()) since the last reset
 *   POST /_reset
 *   POST /_latency?ms=N   answers take N ms from now on
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let { latencyMs = 0 } = JSON.parse(process.argv[2] ?? '{}') as { latencyMs?: number };
let times: number[] = [];

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_count') return void res.end(JSON.stringify({ count: times.length }));
  if (req.method === 'GET' && req.url === '/_times') return void res.end(JSON.stringify({ times }));
  if (req.method === 'POST' && req.url === '/_reset') {
    times = [];
    return void res.end('{}');
  }
  if (req.method === 'POST' && req.url?.startsWith('/_latency?ms=')) {
    latencyMs = Number(req.url.slice('/_latency?ms='.length)) || 0;
    return void res.end('{}');
  }
  req.resume();
  req.on('end', () => {
    times.push(performance.now());
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"accepted"}');
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as AddressInfo).port })));
