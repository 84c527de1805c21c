/**
 * Serves files from a folder (the demo pages, the built bundles) without ever leaving it:
 * the URL path is decoded, resolved under the root and checked to still be inside it,
 * symlinks included, and dotfiles are refused. A missing file is a 404.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentTypeOf } from './content-types';

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The file under `root` that the URL path `urlPath` (still percent-encoded) names, or
 * undefined when it escapes the root, names a dotfile or cannot be decoded.
 *
 * @example safeJoin('/srv/public', '/css/site.css') // '/srv/public/css/site.css'
 * @example safeJoin('/srv/public', '/%2e%2e/secret') // undefined
 */
export function safeJoin(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined; // '..', '.env', '.data'
  const full = resolve(root, ...segments);
  return isInside(resolve(root), full) ? full : undefined;
}

/**
 * The real path of `filePath` if it is a file that really lies under `root` (a symlink
 * pointing out of it is refused); undefined when there is nothing to serve.
 */
export async function findFile(root: string, filePath: string): Promise<string | undefined> {
  try {
    const real = await realpath(filePath);
    const realRoot = await realpath(root);
    if (!real.startsWith(realRoot + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined; // missing, unreadable or a broken link
  }
}

/** Streams a file found by `findFile`, with its content type; HEAD gets the headers only. */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  realPath: string,
): Promise<void> {
  const { size } = await stat(realPath);
  res.writeHead(200, {
    'Content-Type': contentTypeOf(realPath),
    'Content-Length': size,
    // The demo rebuilds bundles while it runs: a stale cached bundle would mislead.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A client that goes away mid-file rejects the pipeline; nothing is left to answer.
  await pipeline(createReadStream(realPath), res).catch(() => undefined);
}
