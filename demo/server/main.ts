/**
 * `npm start`: the reference server on 127.0.0.1 with the demo mounts (the relay at
 * /regal, once it exists). Configured by environment:
 *   PORT (8787), REGAL_API_KEY (demo-key), REGAL_DATA_DIR (demo/.data),
 *   REGAL_RATE_LIMIT (300 requests/second), REGAL_FAULT_SEED (faults use Math.random),
 *   REGAL_REDIS_URL (the relay's shared state in Redis; absent: memory).
 */
import { createRedisState } from '../../src/relay/index';
import { curlCommand } from './curl-command';
import { createDemoMounts } from './demo-mounts';
import { OPENAPI_EXAMPLE_EVENT } from './openapi-example';
import { seededRandom } from './random';
import { startReferenceServer } from './reference-server';

/** A numeric environment variable, or a clear exit when it is not a fitting number. */
function numberFromEnv(
  name: string,
  fits: (value: number) => boolean,
  what: string,
): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || !fits(value)) {
    console.error(`${name} must be ${what} (got ${JSON.stringify(raw)})`);
    process.exit(1);
  }
  return value;
}

const isPort = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65_535;

async function main(): Promise<void> {
  const seed = numberFromEnv('REGAL_FAULT_SEED', Number.isInteger, 'an integer');
  const server = await startReferenceServer({
    port: numberFromEnv('PORT', isPort, 'a port number') ?? 8787,
    host: '127.0.0.1',
    apiKey: process.env.REGAL_API_KEY || 'demo-key',
    dataDir: process.env.REGAL_DATA_DIR || undefined,
    rateLimitPerSecond: numberFromEnv('REGAL_RATE_LIMIT', (n) => n > 0, 'requests/second, > 0'),
    random: seed === undefined ? undefined : seededRandom(seed),
    // REGAL_REDIS_URL: the demo's relay keeps its shared state (dedupe, schedule, limits) in
    // Redis, as several relay instances would; absent, in this process's memory.
    mounts: createDemoMounts(process.env.REGAL_REDIS_URL ? { relay: { state: createRedisState({ url: process.env.REGAL_REDIS_URL }) } } : {}),
  });

  console.log(
    [
      `Reference Regal ingest server: ${server.url}`,
      `  API key:    ${server.apiKey}  (bare, in the Authorization header)`,
      `  Inspector:  ${server.url}/inspector`,
      `  Record:     ${server.url}/_stub/events, ${server.url}/_stub/contacts`,
      '',
      'One visitor across subdomains (Chromium resolves *.localhost to this machine):',
      `  landing:    http://www.regal.localhost:${server.port}/`,
      `  form:       http://apply.regal.localhost:${server.port}/quote.html`,
      '',
      'Post the OpenAPI example:',
      curlCommand(server.url, server.apiKey, OPENAPI_EXAMPLE_EVENT),
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1); // a second Ctrl-C means now
    stopping = true;
    console.log(`\n${signal}: stopping`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') console.error('The port is in use: set PORT to another one.');
  else console.error(error);
  process.exit(1);
});
