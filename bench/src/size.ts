/**
 * Size of every entry of size-budget.json, computed exactly as scripts/size.mjs computes it
 * (that script prints a table and has no machine-readable output, so its method is
 * repeated here): a `file` entry as built (minified first with `minify: true`, terser,
 * module, compress passes 2), an `app` entry bundled like a user's bundler would (rollup,
 * node-resolve for the browser, terser defaults); then minified bytes, gzip level 9 and
 * brotli quality 11 (text mode). Deterministic: measured once. Reads the copy of dist/ the
 * bench measures (bench/src/dist.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minify } from 'terser';
import { DIST, inDist } from './dist';

export interface EntrySize {
  name: string;
  min: number;
  gzip: number;
  brotli: number;
  /** From size-budget.json, e.g. { brotli: 5120 }. */
  budget: Record<string, number>;
}

interface BudgetEntry {
  name: string;
  file?: string;
  app?: string;
  minify?: boolean;
  budget?: Record<string, number>;
}

const root = process.cwd();

async function bundleApp(source: string): Promise<string> {
  const entry = '\0size-app-entry';
  const bundle = await rollup({
    input: entry,
    plugins: [
      {
        name: 'size-app',
        resolveId: (id: string) => (id === entry ? id : id === 'regal-browser' ? join(DIST, 'index.js') : null),
        load: (id: string) => (id === entry ? source : null),
      },
      nodeResolve({ browser: true }),
      terser(),
    ],
    onwarn: () => {},
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  return output.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('\n');
}

export async function measureSizes(): Promise<EntrySize[]> {
  const config = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8')) as { entries: BudgetEntry[] };
  const sizes: EntrySize[] = [];
  for (const entry of config.entries) {
    let code: string;
    if (entry.app) code = await bundleApp(entry.app);
    else {
      code = readFileSync(inDist(entry.file!), 'utf8');
      if (entry.minify) code = (await minify(code, { module: true, compress: { passes: 2 } })).code ?? '';
    }
    sizes.push({
      name: entry.name,
      min: Buffer.byteLength(code),
      gzip: gzipSync(code, { level: 9 }).length,
      brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }).length,
      budget: entry.budget ?? {},
    });
  }
  return sizes;
}
