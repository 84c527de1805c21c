/**
 * The relay with its state shared in Redis (`createRedisState`) against the same relay with
 * its state in memory. The relays run as in the relay bench (bench/src/relay-process.ts,
 * pinned to core 0, `taskset` when available); a redis-server and the local upstream share
 * core 1; this process generates the load.
 *
 * - Throughput: 6,000 events in batches of 100 from 8 senders (split over the instances),
 *   every event its own visitor, pacing lifted (the shared schedule is still consulted for
 *   every event); events accepted and forwarded per second of the relays' CPU time (user +
 *   system, the instances' added up), with one instance (memory, Redis) and three on one
 *   Redis. `redisCpuMsPerEvent`: redis-server's own CPU time per event (/proc), the share of
 *   the work that moved into the store.
 * - Latency the shared state adds per event: one-event batches posted one after another (no
 *   queueing), each event its own visitor, alternately to a relay with its state in memory
 *   and to one with it in Redis; each round trip at the client, p50 and p99. The difference
 *   is what the claim, the turn on the schedule and the mark cost: three Redis round trips.
 *
 * Redis runs as deployed for the relay: appendonly (marks survive a restart), fsync every
 * second (Redis's default policy once AOF is on).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEvent, postBatches } from './load-generator';
import { startPinned, type Child } from './relay-bench';
import { sleep } from './stats';

const HAS_TASKSET = spawnSync('taskset', ['-c', '1', 'true']).status === 0;
export const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Redis {
  url: string;
  /** CPU ms (user + system) the server has used so far. */
  cpuMs(): number;
  stop(): void;
}

/** redis-server on core 1; resolves once it accepts connections. */
async function startRedis(): Promise<Redis> {
  const dir = mkdtempSync(join(tmpdir(), 'regal-bench-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''];
  // taskset execs redis-server: the pid stays the server's.
  const child: ChildProcess = HAS_TASKSET ? spawn('taskset', ['-c', '1', 'redis-server', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready: ${out}`)));
    });
  } catch (error) {
    stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, cpuMs: () => procCpuMs(child.pid!), stop };
}

/** CPU ms (user + system) of a process, from /proc (Linux; NaN elsewhere). */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

interface Usage {
  cpuMs: number;
}

/** One upstream, Redis when asked, `instances` relays; `use` runs with them, then all stop. */
async function withRelays<T>(instances: number, useRedis: boolean, use: (relays: Child[], upstream: Child, redis: Redis | undefined) => Promise<T>): Promise<T> {
  const children: Child[] = [];
  let redis: Redis | undefined;
  try {
    const upstream = await startPinned('upstream-process.js', { latencyMs: 0 }, 1);
    children.push(upstream);
    redis = useRedis ? await startRedis() : undefined;
    const relays: Child[] = [];
    for (let i = 0; i < instances; i++) {
      const relay = await startPinned('relay-process.js', { upstream: `${upstream.url}/events`, rateLimitPerSecond: null, redisUrl: redis?.url }, 0);
      children.push(relay);
      relays.push(relay);
    }
    return await use(relays, upstream, redis);
  } finally {
    for (const child of children) child.kill();
    redis?.stop();
  }
}

export interface StateThroughputRun {
  eventsPerCpuSecond: number;
  eventsPerSecond: number;
  redisCpuMsPerEvent: number;
}

/** `runs` loads of `total` events over `instances` relays (memory when `redis` is false: then one). */
export async function measureStateThroughput({ runs, total, instances, redis: useRedis }: { runs: number; total: number; instances: number; redis: boolean }): Promise<StateThroughputRun[]> {
  return withRelays(instances, useRedis, async (relays, upstream, redis) => {
    const load = (prefix: string, n: number) =>
      Promise.all(relays.map((relay, i) => postBatches(`${relay.url}/regal`, { total: n / instances, batchSize: 100, concurrency: Math.ceil(8 / instances), visitors: 'each', prefix: `${prefix}i${i}-` })));
    await load('warm-', 1_200 * instances); // JIT, sockets, Redis connections
    const results: StateThroughputRun[] = [];
    for (let r = 0; r < runs; r++) {
      const before = await upstream.get<{ count: number }>('/_count');
      const cpu0 = await Promise.all(relays.map(async (relay) => (await relay.get<Usage>('/_bench/usage')).cpuMs));
      const redis0 = redis?.cpuMs() ?? NaN;
      const t0 = performance.now();
      const answers = await load(`run${r}-`, total);
      const ms = performance.now() - t0;
      const cpu1 = await Promise.all(relays.map(async (relay) => (await relay.get<Usage>('/_bench/usage')).cpuMs));
      const redis1 = redis?.cpuMs() ?? NaN;
      const forwarded = (await upstream.get<{ count: number }>('/_count')).count - before.count;
      const accepted = answers.reduce((sum, a) => sum + a.accepted, 0);
      if (accepted !== total || forwarded !== total) throw new Error(`relay state throughput: ${accepted} accepted, ${forwarded} forwarded of ${total} (${JSON.stringify(answers)})`);
      const cpuMs = cpu1.reduce((sum, c, i) => sum + c - cpu0[i], 0);
      results.push({ eventsPerCpuSecond: total / (cpuMs / 1000), eventsPerSecond: total / (ms / 1000), redisCpuMsPerEvent: (redis1 - redis0) / total });
    }
    return results;
  });
}

export interface StateLatencyRun {
  p50MsMemory: number;
  p99MsMemory: number;
  p50MsRedis: number;
  p99MsRedis: number;
}

/**
 * Round trips of one-event batches, one after another, alternating between a relay with its
 * state in memory and one with it in Redis (so both see the same machine at the same time):
 * `count` each a run, `runs` runs.
 */
export async function measureStateLatency({ runs, count }: { runs: number; count: number }): Promise<StateLatencyRun[]> {
  const children: Child[] = [];
  let redis: Redis | undefined;
  try {
    const upstream = await startPinned('upstream-process.js', { latencyMs: 0 }, 1);
    children.push(upstream);
    redis = await startRedis();
    const relay = async (redisUrl: string | undefined) => {
      const child = await startPinned('relay-process.js', { upstream: `${upstream.url}/events`, rateLimitPerSecond: null, redisUrl }, 0);
      children.push(child);
      return child;
    };
    const inMemory = await relay(undefined);
    const inRedis = await relay(redis.url);
    let id = 0;
    const once = async (target: Child) => {
      const n = id++;
      const t0 = performance.now();
      const response = await fetch(`${target.url}/regal`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ batch: [benchEvent(`latency-${n}`, n)] }) });
      const answer = (await response.json()) as { accepted: string[] };
      if (answer.accepted.length !== 1) throw new Error(`relay latency: not accepted: ${JSON.stringify(answer)}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 300; i++) await once(i % 2 === 0 ? inMemory : inRedis); // warm-up
    const percentile = (sorted: number[], p: number) => sorted[Math.floor(sorted.length * p)];
    const results: StateLatencyRun[] = [];
    for (let r = 0; r < runs; r++) {
      await sleep(100);
      const memory: number[] = [];
      const shared: number[] = [];
      for (let i = 0; i < count; i++) {
        memory.push(await once(inMemory));
        shared.push(await once(inRedis));
      }
      memory.sort((a, b) => a - b);
      shared.sort((a, b) => a - b);
      results.push({ p50MsMemory: percentile(memory, 0.5), p99MsMemory: percentile(memory, 0.99), p50MsRedis: percentile(shared, 0.5), p99MsRedis: percentile(shared, 0.99) });
    }
    return results;
  } finally {
    for (const child of children) child.kill();
    redis?.stop();
  }
}
