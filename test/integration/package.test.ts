/**
 * The package as users install it: `npm pack`, install the tarball into a fresh project,
 * then import it (ESM), require it (CJS), and type-check a consumer against its
 * declarations with TypeScript's node16 resolution (import and require). Runs on dist/:
 * `npm test` builds first.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const TIMEOUT = 120_000;

let work: string;
let project: string;
let packed: { filename: string; files: Array<{ path: string }> };

async function npm(args: string[], cwd: string) {
  return run('npm', args, { cwd, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

const node = async (args: string[]) => (await run(process.execPath, args, { cwd: project })).stdout.trim();

describe('the published package', () => {
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/index.d.cts'))) throw new Error('dist/ is not built: run `npm run build` first (npm test does).');
    work = await mkdtemp(join(tmpdir(), 'regal-package-'));
    const { stdout } = await npm(['pack', '--json', '--pack-destination', work], root);
    packed = JSON.parse(stdout.slice(stdout.indexOf('[')))[0];

    project = join(work, 'consumer');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const tarball = join(work, packed.filename);
    const install = ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball];
    try {
      // Its dependencies (idb-keyval, zod) are in the npm cache of this machine.
      await npm(['--offline', ...install], project);
    } catch {
      await npm(install, project);
    }
  }, TIMEOUT);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs the builds and declarations, and no tests or sources beyond the snippet', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/relay.js',
      'dist/relay.cjs',
      'dist/schema.js',
      'dist/schema.cjs',
      'dist/regal.min.js',
      'dist/regal.esm.browser.js',
      'dist/snippet.min.js',
      'dist/regal-relay.js',
      'src/browser/snippet/snippet.js',
    ]) {
      expect(files, file).toContain(file);
    }
    expect(files.filter((f) => /^(test|demo|scripts|bench)\//.test(f) || (f.startsWith('src/') && f !== 'src/browser/snippet/snippet.js'))).toEqual([]);
  });

  it('imports as ESM: createRegal, the forms helpers, the relay and the schema', async () => {
    const out = await node([
      '--input-type=module',
      '-e',
      `import { createRegal, trackForm, watchDeclarativeForms } from 'regal-browser';
       import { createRelay } from 'regal-browser/relay';
       import { CustomEventSchema } from 'regal-browser/schema';
       console.log(JSON.stringify([typeof createRegal, typeof trackForm, typeof watchDeclarativeForms, typeof createRelay,
         CustomEventSchema.safeParse({ traits: { phones: [{ phoneNumber: '+14155550100' }] } }).success,
         CustomEventSchema.safeParse({ name: 'no traits' }).success]));`,
    ]);
    expect(JSON.parse(out)).toEqual(['function', 'function', 'function', 'function', true, false]);
  }, TIMEOUT);

  it('requires as CJS: createRegal, the relay and the schema', async () => {
    const out = await node([
      '-e',
      `const { createRegal } = require('regal-browser');
       const { createRelay } = require('regal-browser/relay');
       const { CustomEventSchema } = require('regal-browser/schema');
       console.log(JSON.stringify([typeof createRegal, typeof createRelay, CustomEventSchema.safeParse({ traits: {} }).success]));`,
    ]);
    expect(JSON.parse(out)).toEqual(['function', 'function', true]);
  }, TIMEOUT);

  it('installs the regal-relay bin: npx regal-relay refuses to start without a key, and serves with one', async () => {
    // npx finds node_modules/.bin/regal-relay; the link itself (shebang, executable bit) is
    // run directly the second time, so that SIGTERM reaches the service and not npx.
    const run = (command: string[], env: Record<string, string>) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(command[0], command.slice(1), { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          // Started: stop it the way an orchestrator does.
          if (stdout.includes('"event":"start"')) child.kill('SIGTERM');
        });
        child.stderr.on('data', (chunk) => (stderr += chunk));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const refused = await run(['npx', '--no-install', 'regal-relay'], {});
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('REGAL_API_KEY is required');
    const served = await run([join(project, 'node_modules/.bin/regal-relay')], { REGAL_API_KEY: 'package-test-key', PORT: '0', HOST: '127.0.0.1' });
    expect(served.stdout).toMatch(/"event":"start".*\n.*"event":"stopping".*\n.*"event":"stop"/);
    expect(served.code).toBe(0);
  }, TIMEOUT);

  it('type-checks a consumer with a typed event map, from ESM and from CJS (node16 resolution)', async () => {
    const consumer = `
      import { createRegal, type RegalClient, type RegalOptions } from 'regal-browser';
      import { createRelay } from 'regal-browser/relay';
      import { CustomEventSchema, type CustomEvent } from 'regal-browser/schema';

      type Events = { 'Lead Form Submitted': { course: string }; 'CTA Clicked': { label: string } };
      const options: RegalOptions = { endpoint: '/regal', defaultCountry: 'US' };
      const regal: RegalClient<Events> = createRegal<Events>(options);
      regal.track('CTA Clicked', { label: 'Get a quote' });
      regal.track('Lead Form Submitted', { course: 'Solar 101' }, { timestamp: new Date() });
      // @ts-expect-error: the event map says label is a string
      regal.track('CTA Clicked', { label: 42 });
      // @ts-expect-error: not an event of the map
      regal.track('Unknown Event', {});
      const delivered: Promise<boolean> = regal.identify({ phone: '(415) 555-0100' }).delivered;
      const event: CustomEvent = { traits: {} };
      export const checks = [delivered, CustomEventSchema.parse(event), typeof createRelay];
    `;
    await writeFile(join(project, 'consumer.ts'), consumer);
    await writeFile(join(project, 'consumer-cjs.cts'), consumer.replace('export const checks =', 'export const cjsChecks ='));
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          strict: true,
          noEmit: true,
          // The relay's handler types name node:http: a server-side consumer has @types/node.
          typeRoots: [join(root, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['consumer.ts', 'consumer-cjs.cts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch((error) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`.trim()).toBe('');
  }, TIMEOUT);
});
