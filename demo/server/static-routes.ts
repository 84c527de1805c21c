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
import { findFile, safeJoin, sendFile } from './static-files';

export interface StaticRoots {
  publicDir: string;
  distDir: string;
}

/** A folder and the file under it (undefined when the path is refused by `safeJoin`). */
type Candidate = [root: string, file: string | undefined];

/** The files a path may mean, most specific first. */
function candidatesFor(path: string, { publicDir, distDir }: StaticRoots): Candidate[] {
  if (path === '/') return [[publicDir, join(publicDir, 'index.html')]];
  if (path === '/inspector') return [[publicDir, join(publicDir, 'inspector.html')]];
  if (path === '/regal.min.js') return [[distDir, join(distDir, 'regal.min.js')]];
  if (path.startsWith('/dist/')) return [[distDir, safeJoin(distDir, path.slice('/dist'.length))]];
  if (path === '/app' || path.startsWith('/app/')) {
    return [
      [publicDir, safeJoin(publicDir, path)],
      [publicDir, join(publicDir, 'app.html')],
    ];
  }
  return [[publicDir, safeJoin(publicDir, path)]];
}

/** Serves a page or bundle for GET/HEAD; 404 when there is no such file, else 405. */
export async function handleStatic(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  roots: StaticRoots,
): Promise<void> {
  for (const [root, file] of candidatesFor(url.pathname, roots)) {
    const found = file === undefined ? undefined : await findFile(root, file);
    if (found === undefined) continue;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const message = `${req.method} is not allowed on ${url.pathname}; use GET`;
      sendError(res, 405, 'method_not_allowed', message, { Allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    await sendFile(req, res, found);
    return;
  }
  sendError(res, 404, 'not_found', `Nothing at ${url.pathname}`);
}
