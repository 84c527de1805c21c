import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { readFileSync, rmSync } from 'node:fs';

// One config for every build. What goes where:
//
//   dist/index.js, index.cjs        npm entry (createRegal, forms), idb-keyval external
//   dist/relay.js, relay.cjs        the first-party relay (server side), zod external
//   dist/schema.js, schema.cjs      the zod wire schema (server side), zod external
//   dist/regal.min.js               the script-tag IIFE (src/browser/script-tag.ts), idb-keyval inlined
//   dist/regal.esm.browser.js       the npm entry as one minified ES module with idb-keyval
//                                   inlined, for <script type="module"> without a bundler
//                                   (the demo SPA uses it)
//   dist/snippet.min.js             the pre-load snippet (src/browser/snippet/snippet.js), minified
//   dist/regal-relay.js             the `regal-relay` bin (src/relay-service/), importing ./relay.js
//   demo/dist/server.js             the demo server (reference ingest + relay + pages)
//
// Declarations (.d.ts and .d.cts) are written after rollup by scripts/build-types.mjs.
// `npm run size` checks the results against size-budget.json.

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const banner = `/*! ${pkg.name} v${pkg.version} | ${pkg.license} */`;

/** ES2020: every browser that runs the site's own modern code; not downlevelled further
 * (optional chaining and `??` are cheaper kept than compiled away). */
const TARGET = 'ES2020';

const ts = (overrides = {}) =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts'],
    noEmit: false,
    declaration: false,
    sourceMap: true,
    target: TARGET,
    ...overrides,
  });

/** The minifier settings of everything served to browsers. */
const minify = (extra = {}) =>
  terser({
    ecma: 2020,
    // Three passes find the inlining that one pass misses (a few % of brotli bytes).
    compress: { passes: 3 },
    // Private properties start with `_` (STYLE.md): they are renamed, public names are not.
    // Never use a `_` name for anything persisted or sent: it changes between builds.
    mangle: { properties: { regex: /^_/ } },
    format: { comments: /^!/ },
    ...extra,
  });

/** Empties dist/ before the first build, so nothing stale (an old chunk, a removed module's
 * declarations) is ever packed. */
const cleanDist = { name: 'clean-dist', buildStart: () => rmSync('dist', { recursive: true, force: true }) };

const isExternalForNpm = (id) => /^(idb-keyval|zod|redis|@redis|libphonenumber-js)(\/|$)/.test(id) || id.startsWith('node:');

/** The npm entries: readable (not minified) ESM and CJS; users' bundlers minify. */
const library = {
  input: { index: 'src/browser/index.ts', relay: 'src/relay/index.ts', schema: 'src/wire/schema.ts' },
  external: isExternalForNpm,
  // An external imported only for types must not stay as a bare `import 'zod'`.
  treeshake: { moduleSideEffects: (id, external) => !external },
  output: [
    { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true, banner },
    { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, banner, exports: 'named' },
  ],
  plugins: [cleanDist, ts()],
};

/** The script-tag bundle. script-tag.ts assigns `window.regal` itself, so no `name` here: a
 * named IIFE would also declare a top-level `var regal` and clobber the snippet's queue. */
const scriptTag = {
  input: 'src/browser/script-tag.ts',
  output: { file: 'dist/regal.min.js', format: 'iife', sourcemap: true, banner, plugins: [minify()] },
  plugins: [nodeResolve({ browser: true }), ts()],
};

/** The npm entry as one browser-ready ES module (idb-keyval inlined). */
const esmBrowser = {
  input: 'src/browser/index.ts',
  output: { file: 'dist/regal.esm.browser.js', format: 'es', sourcemap: true, banner, plugins: [minify({ module: true })] },
  plugins: [nodeResolve({ browser: true }), ts()],
};

/** The pre-load snippet: plain ES5 (it runs inline before anything else, in any browser). */
const snippet = {
  input: 'src/browser/snippet/snippet.js',
  output: { file: 'dist/snippet.min.js', format: 'es', plugins: [minify({ ecma: 5, module: false, format: { comments: false } })] },
};

/** The `regal-relay` bin: the service around the relay, which it imports from ./relay.js
 * (the library build) rather than carrying a second copy. */
const relayService = {
  input: 'src/relay-service/main.ts',
  external: (id) => /[/\\]relay[/\\]index(\.ts)?$/.test(id) || isExternalForNpm(id),
  output: {
    file: 'dist/regal-relay.js',
    format: 'es',
    sourcemap: true,
    banner: `#!/usr/bin/env node\n${banner}`,
    intro: `const __VERSION__ = ${JSON.stringify(pkg.version)};`,
    paths: (id) => (/[/\\]relay[/\\]index(\.ts)?$/.test(id) ? './relay.js' : id),
  },
  plugins: [ts()],
};

const demoServer = {
  input: 'demo/server/main.ts',
  output: { file: 'demo/dist/server.js', format: 'es', sourcemap: true },
  // The Redis client stays a package import (loaded only when REGAL_REDIS_URL is set).
  external: (id) => id.startsWith('node:') || /^(zod|redis|@redis|libphonenumber-js)(\/|$)/.test(id),
  plugins: [nodeResolve({ preferBuiltins: true }), typescript({ tsconfig: './tsconfig.json', noEmit: false, declaration: false, include: ['src/**/*.ts', 'demo/server/**/*.ts'] })],
};

export default [library, scriptTag, esmBrowser, snippet, relayService, demoServer];
