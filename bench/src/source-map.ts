/**
 * Names minified code by its source: `dist/regal.min.js` line/column (as the CPU profile
 * reports a function's start) → `src/queue/queue.ts:123`, through the bundle's source map.
 *
 * Uses @jridgewell/trace-mapping, which is in node_modules as terser's dependency (not one
 * of ours): when it is missing, positions stay minified.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from './dist';

/** (url, 0-based line, 0-based column) → 'src/file.ts:line', or undefined. */
export type Resolve = (url: string, line: number, column: number) => string | undefined;

const BUNDLES = ['regal.min.js'];

let cached: Promise<Resolve> | undefined;

/** The resolver for the built bundles (loaded once). */
export function bundleResolver(): Promise<Resolve> {
  return (cached ||= load());
}

async function load(): Promise<Resolve> {
  const maps = new Map<string, unknown>();
  let lib: typeof import('@jridgewell/trace-mapping') | undefined;
  try {
    lib = await import('@jridgewell/trace-mapping');
  } catch {
    return () => undefined;
  }
  for (const bundle of BUNDLES) {
    const path = join(DIST, `${bundle}.map`);
    if (existsSync(path)) maps.set(bundle, new lib.TraceMap(readFileSync(path, 'utf8')));
  }
  return (url, line, column) => {
    const file = url.replace(/[?#].*$/, '').replace(/^.*\//, '');
    const map = maps.get(file) as InstanceType<typeof lib.TraceMap> | undefined;
    if (!map || line < 0) return undefined;
    const pos = lib!.originalPositionFor(map, { line: line + 1, column: Math.max(0, column) });
    if (!pos.source) return undefined;
    return `${pos.source.replace(/^(\.\.\/)+/, '')}:${pos.line}`;
  };
}
