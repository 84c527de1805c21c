#!/usr/bin/env node
/**
 * Checks the package as npm would publish it (run after `npm run build`):
 *
 * - publint --strict: the exports map, `files`, and the fields bundlers read.
 * - @arethetypeswrong (attw --pack): the types resolve for `import` and `require`, for
 *   node16 and bundler module resolution. Profile `node16` leaves out TypeScript's legacy
 *   `node10` resolution, which cannot see the `regal-browser/relay` and `/schema` subpaths
 *   (it ignores `exports`); the package needs Node 20 (see `engines`) anyway.
 *   The exported browser files (the script-tag IIFE, the snippet, the browser ESM build)
 *   are assets to serve or copy (`require.resolve('regal-browser/regal.min.js')`), not
 *   modules to import with types, so attw leaves them out.
 *
 * Exits 1 when either reports a problem.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const ASSETS = ['./regal.min.js', './regal.esm.browser.js', './snippet.min.js'];

let failed = false;
for (const [label, command, args] of [
  ['publint', bin('publint'), ['--strict', '.']],
  ['attw', bin('attw'), ['--pack', '.', '--profile', 'node16', '--exclude-entrypoints', ...ASSETS]],
]) {
  console.log(`check-package: ${label}`);
  try {
    execFileSync(command, args, { cwd: root, stdio: 'inherit' });
  } catch {
    console.error(`check-package: ${label} reported problems (above).`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
