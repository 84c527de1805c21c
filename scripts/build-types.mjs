#!/usr/bin/env node
/**
 * Writes the declarations of the npm entries after rollup has built the JavaScript:
 *
 *   dist/**\/*.d.ts    for `import` (the package is "type": "module")
 *   dist/**\/*.d.cts   the same, for `require`: a .d.ts next to a .cjs file would be read as
 *                      ESM types under TypeScript's node16 resolution ("masquerading as
 *                      ESM", in @arethetypeswrong's words), so CJS gets its own copies.
 *
 * The sources import each other without extensions (moduleResolution "Bundler"), which
 * node16 resolution cannot follow from a published .d.ts. Every relative specifier is
 * rewritten to the file it names: `./schema` becomes `./schema.js` in .d.ts files and
 * `./schema.cjs` in .d.cts files, `./relay` becomes `./relay/index.js` when it is a folder.
 */
import ts from 'typescript';
import { existsSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const outDir = join(root, 'dist');
// The published declaration (as package.json's `exports` names it) of each npm entry, and
// the source it is written from. Where the two paths differ, a one-line re-export is
// written at the published path.
const ENTRIES = {
  'index.d.ts': 'src/browser/index.ts',
  'relay/index.d.ts': 'src/relay/index.ts',
  'schema.d.ts': 'src/wire/schema.ts',
};
const entries = Object.values(ENTRIES).map((f) => join(root, f));

const configFile = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
const program = ts.createProgram(entries, {
  ...options,
  noEmit: false,
  declaration: true,
  emitDeclarationOnly: true,
  declarationMap: false,
  outDir,
  rootDir: join(root, 'src'),
});
const result = program.emit();
// Type errors are `npm run typecheck`'s job; here only what breaks the declarations fails.
const problems = result.diagnostics;
if (problems.length) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  console.error(ts.formatDiagnostics(problems, host));
  console.error(`build-types: ${problems.length} error(s) writing the declarations of the npm entries.`);
  process.exit(1);
}

for (const [published, source] of Object.entries(ENTRIES)) {
  const emitted = source.replace(/^src\//, '').replace(/\.ts$/, '.d.ts');
  if (emitted === published) continue;
  const from = relative(dirname(join(outDir, published)), join(outDir, emitted)).replace(/\.d\.ts$/, '');
  writeFileSync(join(outDir, published), `export * from './${from}';\n`);
}

/** Every .d.ts under dir. */
function declarations(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarations(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `./x` → `./x.<ext>` or `./x/index.<ext>`, whichever declaration exists. */
function rewrite(file, specifier, ext) {
  if (!specifier.startsWith('.')) return specifier;
  const bare = specifier.replace(/\.(js|ts|mjs|cjs)$/, '');
  const base = join(dirname(file), bare);
  if (existsSync(`${base}.d.ts`)) return `${bare}.${ext}`;
  if (existsSync(join(base, 'index.d.ts'))) return `${bare}/index.${ext}`;
  throw new Error(`build-types: ${file} imports ${specifier}, which has no declaration in dist/`);
}

// `from '…'`, `import('…')`, and bare `import '…'`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g;

let count = 0;
for (const file of declarations(outDir)) {
  const source = readFileSync(file, 'utf8');
  const forExt = (ext) => source.replace(SPECIFIER, (_, lead, quote, spec) => `${lead}${quote}${rewrite(file, spec, ext)}${quote}`);
  writeFileSync(file, forExt('js'));
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), forExt('cjs'));
  count++;
}
console.log(`build-types: ${count} declaration files (.d.ts + .d.cts) in dist/`);
