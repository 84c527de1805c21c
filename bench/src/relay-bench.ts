/**
 * The relay on its own, in a process of its own (bench/src/relay-process.ts) pinned to one
 * core (`taskset -c 0`, when taskset exists), in front of a local upstream in another
 * process pinned to the other core (bench/src/upstream-process.ts). This process generates
 * the load (bench/src/load-generator.ts).
 *
 * - Throughput, pacing lifted (`rateLimitPerSecond: Infinity`, default concurrency 32),
 *   fast upstream, batches of 100 from 8 parallel senders, every event its own visitor:
 *   `eventsPerSecond` = events accepted and forwarded / wall seconds (the relay has one
 *   core); `eventsPerCpuSecond` = the same / the relay process's CPU seconds. Also with each
 *   batch one visitor's (forwarded in order, one at a time): `eventsPerSecondOrdered`.
 * - Pacing at Regal's limit (default 300/s), warmed up first: 1 200 events from 4 parallel
 *   senders; the upstream's arrival times give the forwarded rate from the first to the
 *   last request (must be ≤ 300 and close to it) and the most requests in any sliding 1 s
 *   window (the pacer's schedule allows 301; a timer that fires late sends its overdue
 *   requests back to back, which shows here).
 * - Memory with 10 000 events in flight: upstream answers after 10 s, 100 batches of 100 at
 *   once; once all are inside the relay and its 32 upstream slots are taken, RSS and
 *   heapUsed (after a full GC) against the same before the load.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { postBatches, type LoadOptions } from './load-generator';
import { sleep } from './stats';

const DIST = join(process.cwd(), 'bench/.tmp/dist');
const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export interface Child {
  url: string;
  process: ChildProcess;
  get<T>(path: string): Promise<T>;
  post<T>(path: string): Promise<T>;
  kill(): void;
}

/** Starts a bench process on `cpu` (when pinning is possible); resolves once it listens. */
export async function startPinned(script: string, options: unknown, cpu: number): Promise<Child> {
  const args = ['--expose-gc', join(DIST, script), JSON.stringify(options)];
  const child = HAS_TASKSET ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]).port);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const call = async <T>(path: string, method: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { method });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    url,
    process: child,
    get: (path) => call(path, 'GET'),
    post: (path) => call(path, 'POST'),
    kill: () => void child.kill(),
  };
}

interface Usage {
  cpuMs: number;
  memory: NodeJS.MemoryUsage;
  busy: number;
}

const startUpstream = (latencyMs = 0) => startPinned('upstream-process.js', { latencyMs }, 1);
const startRelay = (upstream: Child, rateLimitPerSecond: number | null) => startPinned('relay-process.js', { upstream: `${upstream.url}/events`, rateLimitPerSecond }, 0);

export interface ThroughputRun {
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  ms: number;
  accepted: number;
  forwarded: number;
}

/** A relay with pacing lifted and a fast upstream; `runs` measured loads of `total` events. */
export async function measureThroughput({ runs, total, visitors }: { runs: number; total: number; visitors: LoadOptions['visitors'] }): Promise<ThroughputRun[]> {
  const upstream = await startUpstream();
  const relay = await startRelay(upstream, null);
  try {
    const load = (prefix: string, n: number) => postBatches(`${relay.url}/regal`, { total: n, batchSize: 100, concurrency: 8, visitors, prefix });
    await load('warm-', 2_000); // JIT and sockets
    const results: ThroughputRun[] = [];
    for (let i = 0; i < runs; i++) {
      const before = await upstream.get<{ count: number }>('/_count');
      const cpu0 = (await relay.get<Usage>('/_bench/usage')).cpuMs;
      const r = await load(`run${i}-`, total);
      const cpu1 = (await relay.get<Usage>('/_bench/usage')).cpuMs;
      const after = await upstream.get<{ count: number }>('/_count');
      const forwarded = after.count - before.count;
      if (r.accepted !== total || forwarded !== total) throw new Error(`relay throughput: ${r.accepted} accepted, ${forwarded} forwarded of ${total} (${JSON.stringify(r)})`);
      results.push({ eventsPerSecond: total / (r.ms / 1000), eventsPerCpuSecond: total / ((cpu1 - cpu0) / 1000), ms: r.ms, accepted: r.accepted, forwarded });
    }
    return results;
  } finally {
    relay.kill();
    upstream.kill();
  }
}

export interface PacedRun {
  /** Requests per second between the first and the last forwarded request. */
  perSecond: number;
  /** Most requests forwarded in any sliding 1 s window. */
  maxInAnySecond: number;
  /** The relay's longest event-loop delay during the run (its timers fire this late). */
  loopDelayMaxMs: number;
  accepted: number;
  retry: number;
}

/** A relay at Regal's limit (its default 300/s) and a fast upstream. */
export async function measurePacing({ runs, total }: { runs: number; total: number }): Promise<PacedRun[]> {
  const upstream = await startUpstream();
  const relay = await startRelay(upstream, 300);
  try {
    // Warm both processes first: a cold relay imports node:http on its first request, and
    // the requests paced meanwhile leave together when it arrives (a burst, measured apart).
    await postBatches(`${relay.url}/regal`, { total: 300, batchSize: 100, concurrency: 3, visitors: 'each', prefix: 'paced-warm-' });
    const results: PacedRun[] = [];
    for (let i = 0; i < runs; i++) {
      await upstream.post('/_reset');
      await sleep(100); // an idle pacer starts every run from the same state
      await relay.get('/_bench/loop');
      const r = await postBatches(`${relay.url}/regal`, { total, batchSize: 100, concurrency: 4, visitors: 'each', prefix: `paced${i}-` });
      const { times } = await upstream.get<{ times: number[] }>('/_times');
      const loop = await relay.get<{ maxMs: number }>('/_bench/loop');
      let most = 0;
      for (let a = 0, b = 0; b < times.length; b++) {
        while (times[b] - times[a] >= 1000) a++;
        most = Math.max(most, b - a + 1);
      }
      const span = (times[times.length - 1] - times[0]) / 1000;
      results.push({ perSecond: (times.length - 1) / span, maxInAnySecond: most, loopDelayMaxMs: loop.maxMs, accepted: r.accepted, retry: r.retry });
    }
    return results;
  } finally {
    relay.kill();
    upstream.kill();
  }
}

export interface InFlightRun {
  events: number;
  heapGrowthKB: number;
  rssGrowthKB: number;
  heapBytesPerEvent: number;
}

/** Memory of a relay holding `events` events (batches of 100) that a slow upstream holds up. */
export async function measureInFlight({ runs, events }: { runs: number; events: number }): Promise<InFlightRun[]> {
  const results: InFlightRun[] = [];
  for (let i = 0; i < runs; i++) {
    const upstream = await startUpstream();
    const relay = await startRelay(upstream, null);
    try {
      await postBatches(`${relay.url}/regal`, { total: 2_000, batchSize: 100, concurrency: 8, visitors: 'each', prefix: 'warm-' });
      await upstream.post('/_latency?ms=10000');
      await sleep(200);
      const before = await relay.get<Usage>('/_bench/usage?gc');
      const batches = events / 100;
      const load = postBatches(`${relay.url}/regal`, { total: events, batchSize: 100, concurrency: batches, visitors: 'each', prefix: 'held-' });
      load.catch(() => {});
      // Every batch inside the relay, and its upstream slots all taken.
      const deadline = performance.now() + 15_000;
      for (;;) {
        const { busy } = await relay.get<Usage>('/_bench/usage');
        const { count } = await upstream.get<{ count: number }>('/_count');
        if (busy >= batches && count >= 2_000 + 32) break;
        if (performance.now() > deadline) throw new Error(`relay memory: only ${busy} of ${batches} batches in flight after 15 s`);
        await sleep(50);
      }
      await sleep(500); // the last bodies parsed and their events waiting for a slot
      const during = await relay.get<Usage>('/_bench/usage?gc');
      if (during.busy < batches) throw new Error(`relay memory: batches were answered before the reading (${during.busy} of ${batches} left)`);
      results.push({
        events,
        heapGrowthKB: (during.memory.heapUsed - before.memory.heapUsed) / 1024,
        rssGrowthKB: (during.memory.rss - before.memory.rss) / 1024,
        heapBytesPerEvent: (during.memory.heapUsed - before.memory.heapUsed) / events,
      });
    } finally {
      relay.kill();
      upstream.kill();
    }
  }
  return results;
}

export const relayPinned = HAS_TASKSET;
