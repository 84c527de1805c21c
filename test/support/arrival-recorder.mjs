/**
 * The ingest's front door in a process of its own, for load tests: notes when each request
 * arrived, then passes it on to the ingest (argv[2], e.g. http://127.0.0.1:1234) and its
 * answer back. Only this: in the test process, whose event loop also runs the simulated
 * browsers and the ingest, a request that arrives during a long turn of that loop is timed
 * when the turn ends, so a burst that never left the senders shows up at the ingest.
 *
 * Prints `{"port": N}` once listening. `GET /_arrivals` answers what it recorded: for each
 * request, `at` (ms, this process's monotonic clock, when its headers were read), `wall`
 * (Date.now() then), `from` (the `from` query parameter: which sender), `key` (`visitor:seq`
 * of a load-test event), `status` (the ingest's answer) and `answeredAt` (wall clock when
 * the answer was passed back); and `loopDelayMs`, this process's own event-loop delay: the
 * error bound of every `at`. Stops when its parent disconnects.
 */
import { Agent, createServer, request } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const target = new URL(process.argv[2]);
const agent = new Agent({ keepAlive: true });
const arrivals = [];
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const server = createServer((req, res) => {
  if (req.url === '/_arrivals') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ arrivals, loopDelayMs: { max: loop.max / 1e6, p99: loop.percentile(99) / 1e6, mean: loop.mean / 1e6 } }));
    return;
  }
  const arrival = { at: performance.now(), wall: Date.now(), from: new URL(req.url, target).searchParams.get('from'), key: '?', status: 0, answeredAt: 0 };
  arrivals.push(arrival);
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      const { properties } = JSON.parse(body.toString('utf8'));
      arrival.key = `${properties.visitor}:${properties.seq}`;
    } catch {
      // not a load-test event: recorded as '?'
    }
    // Passed on even if the sender is gone: what reached the ingest stays there.
    const forward = request(new URL(req.url, target), { method: req.method, headers: req.headers, agent }, (answer) => {
      arrival.status = answer.statusCode ?? 0;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      res.on('finish', () => (arrival.answeredAt = Date.now()));
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    forward.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('disconnect', () => process.exit(0));
