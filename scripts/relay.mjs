#!/usr/bin/env node
/**
 * `npm run relay`: runs the `regal-relay` service from this checkout (configured by
 * environment, see the README). Builds first when dist/regal-relay.js is missing or older
 * than a source of the relay or the service. The service runs in this process (imported,
 * not spawned), so SIGTERM and Ctrl-C reach it directly.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const bin = join(root, 'dist/regal-relay.js');

const newest = (dir) =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

const sources = ['src/relay', 'src/relay-service', 'src/wire'].map((d) => newest(join(root, d)));
if (!existsSync(bin) || statSync(bin).mtimeMs < Math.max(...sources)) {
  console.error('regal-relay: building (npm run build)...');
  execSync('npm run build', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
await import(pathToFileURL(bin).href);
