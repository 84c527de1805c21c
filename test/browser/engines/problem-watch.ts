/**
 * Console errors and uncaught errors of pages in an engine that cannot report them to the
 * test (WebKitGTK's driver has no log endpoint and no BiDi): a proxy in front of the site
 * puts a watcher script first in every HTML page it passes on, and the watcher posts each
 * problem back to the proxy. A script file of the same origin, so a page's strict CSP
 * (script-src 'self') lets it run.
 *
 * What the watcher sees: `console.error` calls, uncaught exceptions, unhandled rejections.
 * What it cannot see: the engine's own console lines (a failed resource load), which no
 * script can read.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const WATCH_PATH = '/__watch.js';
const PROBLEM_PATH = '/__problem';

const WATCHER = `(function () {
  function report(kind, text) {
    try { navigator.sendBeacon('${PROBLEM_PATH}', kind + ' on ' + location.href + ': ' + text); } catch (e) {}
  }
  var error = console.error;
  console.error = function () {
    report('console.error', Array.prototype.map.call(arguments, function (a) { return a && a.stack || String(a); }).join(' '));
    return error.apply(console, arguments);
  };
  addEventListener('error', function (e) { report('uncaught', e.message); });
  addEventListener('unhandledrejection', function (e) { report('unhandled rejection', String(e.reason && e.reason.stack || e.reason)); });
})();`;

export interface ProblemWatch {
  /** The proxy's origin: visit the site through it. */
  url: string;
  /** What the pages reported, in arrival order. */
  problems: string[];
  close(): Promise<void>;
}

/** A proxy to `target` (an origin) on 127.0.0.1 and a free port. */
export async function startProblemWatch(target: string): Promise<ProblemWatch> {
  const problems: string[] = [];
  const upstream = new URL(target);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === WATCH_PATH) {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' }).end(WATCHER);
      return;
    }
    if (req.url === PROBLEM_PATH) {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => (problems.push(body), res.writeHead(204).end()));
      return;
    }
    // The Host header stays the proxy's: the relay checks a page's Origin against it.
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const type = String(answer.headers['content-type'] ?? '');
      if (!type.startsWith('text/html') || req.method === 'HEAD') {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const html = Buffer.concat(chunks).toString('utf8');
        const tag = `<script src="${WATCH_PATH}"></script>`;
        const head = /<head[^>]*>/i.exec(html);
        const body = head ? html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length) : tag + html;
        const { 'content-length': _, ...rest } = answer.headers;
        res.writeHead(answer.statusCode ?? 200, { ...rest, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      answer.on('error', () => res.destroy());
    });
    // The site cut the connection (a blocked relay): the browser must see the same.
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    problems,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
