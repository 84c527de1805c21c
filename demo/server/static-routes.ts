/**
 * Which file a page URL means:
 *   /               publicDir/index.html
 *   /inspector      publicDir/inspector.html
 *   /app, /app/*    a file under publicDir/app/ if there is one, else publicDir/app.html
 *                   (the single-page-app fallback, so client-side routes survive a reload)
 *   /regal.min.js   distDir/regal.min.js (the script-tag bundle, at the path a snippet uses)
 *   /dist/*         distDir/*
 *   anything else   publicDir/*
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sendError } from './json-response';
import { safeJoin, serveFile } from './static-files';

export interface StaticRoots {
  publicDir: string;
  distDir: string;
}

/** Serves a page or bundle for GET/HEAD; 404 when there is no such file, 405 otherwise. */
export async function handleStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  roots: StaticRoots,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`, {
      Allow: 'GET, HEAD, OPTIONS',
    });
    return;
  }
  const { publicDir, distDir } = roots;
  const path = url.pathname;
  const candidates: Array<[root: string, file: string | undefined]> = [];
  if (path === '/') candidates.push([publicDir, join(publicDir, 'index.html')]);
  else if (path === '/inspector') candidates.push([publicDir, join(publicDir, 'inspector.html')]);
  else if (path === '/regal.min.js') candidates.push([distDir, join(distDir, 'regal.min.js')]);
  else if (path.startsWith('/dist/')) candidates.push([distDir, safeJoin(distDir, path.slice(5))]);
  else if (path === '/app' || path.startsWith('/app/')) {
    candidates.push([publicDir, safeJoin(publicDir, path)]);
    candidates.push([publicDir, join(publicDir, 'app.html')]);
  } else candidates.push([publicDir, safeJoin(publicDir, path)]);

  for (const [root, file] of candidates) {
    if (file !== undefined && (await serveFile(req, res, root, file))) return;
  }
  sendError(res, 404, 'not_found', `Nothing at ${path}`);
}
