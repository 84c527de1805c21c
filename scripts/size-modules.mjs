#!/usr/bin/env node
/**
 * `npm run size:modules [entry]`: where the bytes of a browser bundle come from. Bundles the
 * entry (default src/browser/script-tag.ts, the script tag) without writing anything, minifies each
 * module's share of it on its own and prints min and brotli bytes per module, largest first.
 *
 * Figures per module are a little above their share of the real bundle (names at a
 * module's top level are not mangled here, and brotli finds less to share within one
 * module); use them to find what to work on, and `npm run size` for the budget.
 */
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { minify } from 'terser';
import { brotliCompressSync, constants } from 'node:zlib';

const input = process.argv[2] || 'src/browser/script-tag.ts';
const brotli = (code) => brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const bundle = await rollup({
  input,
  plugins: [nodeResolve({ browser: true }), typescript({ tsconfig: './tsconfig.json', include: ['src/**/*.ts'], noEmit: false, declaration: false, sourceMap: false, target: 'ES2020' })],
  onwarn() {},
});
const { output } = await bundle.generate({ format: 'es' });
await bundle.close();
const rows = [];
for (const [id, module] of Object.entries(output[0].modules)) {
  if (!module.code) continue;
  const { code = '' } = await minify(module.code, { ecma: 2020, toplevel: false, compress: { passes: 3 }, mangle: { properties: { regex: /^_/ } } });
  rows.push({ module: id.replace(process.cwd() + '/', ''), min: code.length, brotli: brotli(code) });
}
rows.sort((a, b) => b.brotli - a.brotli);
const total = rows.reduce((t, r) => ({ min: t.min + r.min, brotli: t.brotli + r.brotli }), { min: 0, brotli: 0 });
for (const r of [...rows, { module: 'sum of modules', ...total }]) console.log(r.module.padEnd(44), String(r.min).padStart(7), String(r.brotli).padStart(7));
