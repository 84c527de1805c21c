#!/usr/bin/env node
/**
 * `npm run size`: the size of every entry as its users pay it, against size-budget.json.
 *
 * - A `file` entry is measured as built (or minified first, with `minify: true`).
 * - An `app` entry is a tiny user program importing from 'regal-browser' (resolved to the
 *   built dist/index.js), bundled and minified the way a user's bundler would do it: rollup,
 *   node-resolve (idb-keyval included), terser with its defaults. Tree-shaking counts.
 *
 * For each: minified, gzip (level 9) and brotli (quality 11) bytes. Exits 1 when an entry is
 * past its budget, or when code that runs in the browser contains `eval(`, `new Function` or
 * zod's runtime or libphonenumber-js (both belong to the servers only).
 *
 * Run `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { minify } from 'terser';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const config = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));

const gzip = (code) => gzipSync(code, { level: 9 }).length;
const brotli = (code) =>
  brotliCompressSync(code, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
  }).length;

function mustExist(path) {
  if (!existsSync(path)) {
    console.error(`size: ${path} is missing. Run \`npm run build\` first.`);
    process.exit(1);
  }
}

/** Bundles a user's program the way their bundler would, with regal-browser from dist/. */
async function bundleApp(source) {
  const entry = '\0size-app-entry';
  const bundle = await rollup({
    input: entry,
    plugins: [
      {
        name: 'size-app',
        resolveId: (id) => (id === entry ? id : id === 'regal-browser' ? join(root, 'dist/index.js') : null),
        load: (id) => (id === entry ? source : null),
      },
      nodeResolve({ browser: true }),
      terser(),
    ],
    onwarn: (warning) => console.warn(`size: rollup: ${warning.message}`),
  });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  return output.map((chunk) => (chunk.type === 'chunk' ? chunk.code : '')).join('\n');
}

async function measure(entry) {
  let code;
  if (entry.app) code = await bundleApp(entry.app);
  else {
    const path = join(root, entry.file);
    mustExist(path);
    code = readFileSync(path, 'utf8');
    if (entry.minify) code = (await minify(code, { module: true, compress: { passes: 2 } })).code;
  }
  return { code, min: Buffer.byteLength(code), gzip: gzip(code), brotli: brotli(code) };
}

/** What must never reach the browser, with the reason printed when it does. */
const FORBIDDEN = [
  [/\beval\s*\(/, '`eval(` (breaks under a strict CSP)'],
  [/\bnew\s+Function\b/, '`new Function` (breaks under a strict CSP)'],
  [/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']zod(?:\/[^"']*)?["']/, 'an import of zod'],
  [/\b_zod\b|\$ZodType|\bZodError\b|\bZodObject\b/, "zod's runtime"],
  // The relay's phone check: its numbering plans (~150 KB) are for servers only.
  [/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']libphonenumber-js(?:\/[^"']*)?["']/, 'an import of libphonenumber-js'],
  [/\bcountry_calling_codes\b|\bparsePhoneNumberFromString\b/, "libphonenumber-js's code or metadata"],
];

/** The file and every relative module it imports (shared chunks), recursively. */
function withImports(path, seen = new Set()) {
  if (seen.has(path)) return seen;
  seen.add(path);
  const code = readFileSync(path, 'utf8');
  for (const [, spec] of code.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
    const target = resolve(dirname(path), spec);
    if (existsSync(target)) withImports(target, seen);
  }
  return seen;
}

function checkForbidden(name, code) {
  return FORBIDDEN.filter(([pattern]) => pattern.test(code)).map(([, what]) => `${name} contains ${what}`);
}

const rows = [];
const failures = [];
for (const entry of config.entries) {
  const size = await measure(entry);
  const budget = entry.budget || {};
  const over = Object.entries(budget).filter(([kind, limit]) => size[kind] > limit);
  for (const [kind, limit] of over) failures.push(`${entry.name}: ${size[kind]} ${kind} bytes, budget ${limit} (size-budget.json)`);
  if (entry.app) failures.push(...checkForbidden(`${entry.name} (bundled app)`, size.code));
  rows.push([
    entry.name,
    entry.file || '(bundled app)',
    size.min,
    size.gzip,
    size.brotli,
    Object.entries(budget)
      .map(([kind, limit]) => `${kind} <= ${limit}`)
      .join(', '),
    Object.keys(budget).length ? (over.length ? 'OVER' : 'ok') : '',
    // A target is where the budget is headed (the size the project aims for); missing it is reported, not fatal.
    Object.entries(entry.target || {})
      .map(([kind, limit]) => `${kind} <= ${limit} ${size[kind] <= limit ? 'met' : `missed by ${size[kind] - limit}`}`)
      .join(', '),
  ]);
}

for (const file of config.forbidden.files) {
  const path = join(root, file);
  mustExist(path);
  for (const module of withImports(path)) {
    failures.push(...checkForbidden(module.slice(root.length + 1), readFileSync(module, 'utf8')));
  }
}

const header = ['entry', 'file', 'min', 'gzip', 'brotli', 'budget', '', 'target'];
const table = [header, ...rows].map((row) => row.map(String));
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) {
  console.log(row.map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd());
}

if (failures.length) {
  console.error(`\nsize: ${failures.length} problem(s):`);
  for (const failure of failures) console.error(`  - ${failure}`);
  process.exit(1);
}
console.log(`\nsize: every entry within budget; no eval, new Function or zod in browser code.`);
