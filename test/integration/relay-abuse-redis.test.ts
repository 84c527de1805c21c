/**
 * The per-client limits and the token ledger on a real Redis: the same contract as the
 * memory state, through the Lua scripts. Needs `redis-server` (Debian's package): skipped
 * with a loud notice without it, and failing under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisLimitState } from '../../src/relay/limits/redis-limit-state';
import { limitStateContract } from '../support/limit-state-contract';
import { connectResp } from '../support/resp-client';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis) {
  const notice = 'redis-server is not installed: the Redis tests of the relay limits are SKIPPED (apt-get install -y redis-server)';
  if (process.env.CI === 'true') throw new Error(`${notice}; CI=true requires them`);
  console.warn(`\n\n*** ${notice} ***\n\n`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!hasRedis)('relay limits on Redis', () => {
  let redis: ChildProcess;
  let dir: string;
  let client: Awaited<ReturnType<typeof connectResp>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abuse-redis-'));
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        client = await connectResp(`redis://127.0.0.1:${port}`);
        if ((await client.command('PING')) === 'PONG') break;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  afterAll(async () => {
    client?.close();
    redis?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  limitStateContract('redis', () => createRedisLimitState((script, keys, args) => client.evaluate(script, keys, args), 'regal-test:'));

  it('puts every key under the prefix, with a TTL', async () => {
    const state = createRedisLimitState((script, keys, args) => client.evaluate(script, keys, args), 'ttl-check:');
    const now = Date.now();
    await state.hit('limit:batches:{192.0.2.1}', 60_000, 600, now);
    await state.admit([{ key: 'limit:phone-ips:{abc}', windowMs: 3_600_000, limit: 5 }], ['192.0.2.1'], now);
    await state.admitNew({ knownKey: 'limit:ids-known:{192.0.2.1}', knownMs: 86_400_000, newKey: 'limit:ids-new:{192.0.2.1}', windows: [{ windowMs: 60_000, limit: 20 }] }, ['m1'], now);
    await state.claim('bot:1', 'pending', 30_000);
    const keys = (await client.command('KEYS', 'ttl-check:*')) as string[];
    expect(keys.sort()).toEqual(['ttl-check:bot:1', 'ttl-check:limit:batches:{192.0.2.1}', 'ttl-check:limit:ids-known:{192.0.2.1}', 'ttl-check:limit:ids-new:{192.0.2.1}', 'ttl-check:limit:phone-ips:{abc}']);
    for (const key of keys) expect(Number(await client.command('PTTL', key))).toBeGreaterThan(0);
  });

  it('counts atomically: 50 checks of one client at once admit exactly the limit', async () => {
    const state = createRedisLimitState((script, keys, args) => client.evaluate(script, keys, args), 'race:');
    const now = Date.now();
    const spec = { knownKey: 'known:{x}', knownMs: 86_400_000, newKey: 'new:{x}', windows: [{ windowMs: 60_000, limit: 20 }] };
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => state.admitNew(spec, [`phone-${i}`], now)));
    expect(answers.filter((a) => a.allowed)).toHaveLength(20);
    const hits = await Promise.all(Array.from({ length: 50 }, () => state.hit('bucket:{x}', 60_000, 30, now)));
    expect(hits.filter((a) => a.allowed)).toHaveLength(30);
  });
});
