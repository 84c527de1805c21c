#!/usr/bin/env node
/**
 * `npm run bench` (which builds first): bundles the bench (bench/src/*.ts, with the relay
 * and the reference server it imports from src/ and demo/server/) into bench/.tmp/ with
 * rollup, copies dist/ to bench/.tmp/dist-snapshot (what the bench measures), then runs it
 * in plain Node. Arguments are passed on, e.g.
 * `npm run bench -- --quick` or `node bench/run.mjs --only=size,relay` (see bench/README.md).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const out = join(root, 'bench/.tmp/dist');
const started = performance.now();

rmSync(out, { recursive: true, force: true });
// The browser figures load the built bundles from a copy: the worktree is shared, and a
// rebuild elsewhere empties dist/ for a while (and would change the bundle mid-run).
if (!existsSync(join(root, 'dist/regal.min.js'))) {
  console.error('bench: dist/ is missing or incomplete. Run `npm run build` first (`npm run bench` does).');
  process.exit(1);
}
const snapshot = join(root, 'bench/.tmp/dist-snapshot');
rmSync(snapshot, { recursive: true, force: true });
cpSync(join(root, 'dist'), snapshot, { recursive: true });
const bundle = await rollup({
  input: {
    main: 'bench/src/main.ts',
    'relay-process': 'bench/src/relay-process.ts',
    'upstream-process': 'bench/src/upstream-process.ts',
  },
  // Node builtins, zod and playwright-core stay imports (resolved from node_modules at run
  // time); only our own TypeScript is bundled.
  external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
  plugins: [
    typescript({
      tsconfig: './tsconfig.json',
      include: ['bench/**/*.ts', 'src/**/*.ts', 'demo/server/**/*.ts'],
      noEmit: false,
      declaration: false,
      sourceMap: false,
      target: 'ES2022',
    }),
  ],
  onwarn: (warning) => console.warn(`bench: rollup: ${warning.message}`),
});
await bundle.write({ dir: out, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' });
await bundle.close();
console.log(`bench: bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// --expose-gc: the relay's memory figure is read after a full GC.
const child = spawn(process.execPath, ['--expose-gc', join(out, 'main.js'), ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
