/**
 * A real `redis-server` for tests: its own free 127.0.0.1 port and a temporary --dir,
 * stopped by the test. Without the binary, `redisAvailable` is false: suites skip loudly
 * (`describeWithRedis`), and fail under CI=true, where .ci/run installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/** Whether `redis-server` can be run here. */
export const redisAvailable = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * `describe` when redis-server exists; otherwise a loud skip, and under CI=true a failure.
 *
 * @example describeWithRedis('relay on Redis', () => { it(...) })
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisAvailable) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      throw new Error(`${REDIS_SERVER} is not installed, and CI=true requires these tests: apt-get install redis-server`);
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${REDIS_SERVER} is not installed (apt-get install redis-server); under CI=true this fails.`);
  describe.skip(name, body);
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, waits for exit). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (an appendonly server keeps its data). */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export async function startRedisServer(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  if (!redisAvailable) throw new Error(`${REDIS_SERVER} is not installed: apt-get install redis-server`);
  const dir = mkdtempSync(join(tmpdir(), 'regal-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always', '--protected-mode', 'no', '--loglevel', 'warning'];
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(port))) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends an inline PING; true on +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
