/**
 * `npm run bench`: the performance figures of regal-browser, printed as a table and written
 * to bench/results.json. See bench/README.md for what each figure means and how it is
 * measured. Run by bench/run.mjs, which bundles this file first.
 *
 *   --quick            fewer runs (a smoke test of the bench itself; results not written
 *                      to bench/results.json but to bench/.tmp/results.json)
 *   --only=a,b         only these parts: size, load, track, delivery, memory, mobile, relay, state
 *                      (results go to bench/.tmp/results.json too)
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startBenchServer, type BenchServer } from './bench-server';
import { launchChromium, MOBILE_CPU_SLOWDOWN, MOBILE_DEVICE } from './browser';
import { measureLoad, type LoadRun } from './load-cost';
import { measureHeap } from './memory';
import { measureInFlight, measurePacing, measureThroughput, relayPinned } from './relay-bench';
import { HAS_REDIS, measureStateLatency, measureStateThroughput } from './relay-state-bench';
import { printTable, toResults, type Figure, type Section } from './report';
import { measureSizes } from './size';
import { field, summarize } from './stats';
import { measureTrack, type Hot, type TrackRun } from './track-cost';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const PARTS = ['size', 'load', 'track', 'delivery', 'memory', 'mobile', 'relay', 'state'];
for (const part of only ?? []) if (!PARTS.includes(part)) throw new Error(`--only: unknown part ${part}; parts are ${PARTS.join(', ')}`);
const wants = (part: string) => !only || only.includes(part);

/** Runs per figure: ≥ 5 where a run is cheap, ≥ 3 where it is slow. */
const RUNS = quick ? { cheap: 2, slow: 1, profiled: 1 } : { cheap: 5, slow: 3, profiled: 2 };
// BENCH_TRACK_CALLS: another burst size, to explore (the figures and targets are for 1,000).
const TRACK_CALLS = Number(process.env.BENCH_TRACK_CALLS) || 1_000;
const HEAP_CALLS = 10_000;

const started = performance.now();
const loadBefore = loadavg();
const sections: Section[] = [];
const problems = new Set<string>();
const log = (message: string) => console.log(`bench: ${message} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

const lt = (limit: number, unit: string) => ({ text: `< ${limit.toLocaleString('en-US')} ${unit}`, pass: (v: number) => v < limit });
const le = (limit: number, unit: string) => ({ text: `≤ ${limit.toLocaleString('en-US')} ${unit}`, pass: (v: number) => v <= limit });
const ge = (limit: number, unit: string) => ({ text: `≥ ${limit.toLocaleString('en-US')} ${unit}`, pass: (v: number) => v >= limit });

async function repeat<T extends { problems?: string[] }>(what: string, n: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await run(i);
    for (const p of r.problems ?? []) problems.add(`${what}: ${p}`);
    results.push(r);
  }
  log(`${what}: ${n} run(s)`);
  return results;
}

function loadFigures(prefix: string, plain: LoadRun[], traced: LoadRun[]): Figure[] {
  return [
    { path: `${prefix}.readyMs`, label: 'script tag → ready() resolved', unit: 'ms', summary: field(plain, (r) => r.readyMs) },
    { path: `${prefix}.scriptMs`, label: 'script tag → next script runs (parser blocked)', unit: 'ms', summary: field(plain, (r) => r.scriptMs) },
    { path: `${prefix}.evaluateMs`, label: 'EvaluateScript regal.min.js (main thread)', unit: 'ms', digits: 2, summary: field(traced, (r) => r.evaluateMs) },
    { path: `${prefix}.mainThreadMs`, label: "bundle's main-thread time until ready", unit: 'ms', digits: 2, summary: field(traced, (r) => r.mainThreadMs) },
    { path: `${prefix}.backgroundParseMs`, label: 'background (streaming) parse, off main thread', unit: 'ms', summary: field(traced, (r) => r.backgroundParseMs) },
  ];
}

function trackFigures(prefix: string, held: TrackRun[], heldTraced: TrackRun[], identified: TrackRun[], identifiedTraced: TrackRun[], withTargets: boolean): Figure[] {
  const t = <T>(target: T) => (withTargets ? target : undefined);
  return [
    { path: `${prefix}.usPerCall`, label: `track, identified (queued to send): per call, ${TRACK_CALLS} calls`, unit: 'µs', digits: 2, summary: field(identified, (r) => r.usPerCall), target: t(lt(5, 'µs')) },
    { path: `${prefix}.usPerCallHeld`, label: `track, anonymous (held): per call, ${TRACK_CALLS} calls`, unit: 'µs', digits: 2, summary: field(held, (r) => r.usPerCall), target: t(lt(5, 'µs')) },
    ...(identified.some((r) => r.usPerCallWarm !== undefined)
      ? [{ path: `${prefix}.usPerCallWarm`, label: 'track, identified: per call, a 2nd burst on the same page (warm)', unit: 'µs', digits: 2, summary: field(identified, (r) => r.usPerCallWarm) }]
      : []),
    { path: `${prefix}.longestTaskMs`, label: 'longest task after the burst, identified (writes, sends)', unit: 'ms', digits: 2, summary: field(identifiedTraced, (r) => r.longestTaskMs), target: t(le(10, 'ms')) },
    { path: `${prefix}.longestTaskMsHeld`, label: 'longest task after the burst, anonymous (writes)', unit: 'ms', digits: 2, summary: field(heldTraced, (r) => r.longestTaskMs), target: t(le(10, 'ms')) },
    { path: `${prefix}.burstTaskMs`, label: `the burst itself: one task of ${TRACK_CALLS} calls, identified`, unit: 'ms', digits: 2, summary: field(identified, (r) => r.burstMs), target: t(le(10, 'ms')) },
    { path: `${prefix}.tasksOver10ms`, label: 'tasks over 10 ms per run, identified (burst included)', unit: '', digits: 0, summary: field(identifiedTraced, (r) => r.tasksOver10ms) },
    { path: `${prefix}.afterBusyMs`, label: 'main-thread busy after the burst until delivered, identified', unit: 'ms', summary: field(identifiedTraced, (r) => r.afterBusyMs) },
    { path: `${prefix}.afterBusyMsHeld`, label: 'main-thread busy after the burst until stored, anonymous', unit: 'ms', summary: field(heldTraced, (r) => r.afterBusyMs) },
    { path: `${prefix}.storedMsHeld`, label: `first call → all ${TRACK_CALLS} stored in IndexedDB, anonymous`, unit: 'ms', summary: field(held, (r) => r.storedMs) },
  ];
}

/** Where the time went, over every traced run: mean ms per run by function, largest first. */
function hotNote(what: string, runs: TrackRun[], pick: (r: TrackRun) => Hot[] | undefined): string[] {
  const total = new Map<string, number>();
  for (const r of runs) for (const h of pick(r) ?? []) total.set(h.what, (total.get(h.what) ?? 0) + h.ms);
  if (!total.size) return [];
  const top = [...total].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return [`${what}:`, ...top.map(([fn, ms]) => `  ${(ms / runs.length).toFixed(2).padStart(6)} ms  ${fn}`)];
}

/** How much tracing slowed the burst (the task figures come from traced runs). */
function tracingNote(plain: TrackRun[], traced: TrackRun[]): string[] {
  const a = summarize(plain.map((r) => r.burstMs)).median;
  const b = summarize(traced.map((r) => r.burstMs)).median;
  return [`longest tasks: from traced runs (the burst took ${b.toFixed(1)} ms there, ${a.toFixed(1)} ms untraced); the burst's task: page-timed, untraced`];
}

function trackNotes(identifiedTraced: TrackRun[], heldTraced: TrackRun[]): string[] {
  return [
    `CPU profile (self time, mean of ${identifiedTraced.length} profiled run(s), sampling slows the page: compare the shares, not the ms) of:`,
    ...hotNote(`the burst of ${TRACK_CALLS} calls, identified`, identifiedTraced, (r) => r.burstDetail),
    ...hotNote('the longest task after it, identified', identifiedTraced, (r) => r.longestTaskDetail),
    ...hotNote('all the work after the burst until delivered, identified', identifiedTraced, (r) => r.afterDetail),
    ...hotNote(`the burst of ${TRACK_CALLS} calls, anonymous`, heldTraced, (r) => r.burstDetail),
    ...hotNote('the longest task after the burst, anonymous', heldTraced, (r) => r.longestTaskDetail),
    ...hotNote('all the work after the burst until stored, anonymous', heldTraced, (r) => r.afterDetail),
  ];
}

async function browserParts(browser: Browser, free: BenchServer, extra: Record<string, unknown>) {
  const caps = TRACK_CALLS > 1_000 ? { maxEvents: TRACK_CALLS * 2, maxBytes: TRACK_CALLS * 2_000 } : undefined;
  const track = (o: { identified: boolean; mobile: boolean; trace?: 'tasks' | 'profile'; warmBurst?: boolean }, server = free) => measureTrack(browser, server, { ...o, count: TRACK_CALLS, load: caps });
  // Warm-up, not counted: the browser process, the server's JIT.
  await measureLoad(browser, free, { mobile: false, trace: false });
  await track({ identified: true, mobile: false });
  log('warm-up');

  if (wants('load')) {
    const plain = await repeat('load', RUNS.cheap, () => measureLoad(browser, free, { mobile: false, trace: false }));
    const traced = await repeat('load, traced', RUNS.cheap, () => measureLoad(browser, free, { mobile: false, trace: true }));
    sections.push({ title: 'Load cost of dist/regal.min.js (desktop, fresh visitor)', figures: loadFigures('load', plain, traced) });
  }

  if (wants('track') || wants('delivery')) {
    const held = await repeat('track, anonymous', RUNS.cheap, () => track({ identified: false, mobile: false }));
    const identified = await repeat('track + delivery, identified', RUNS.cheap, () => track({ identified: true, mobile: false, warmBurst: true }));
    if (wants('track')) {
      const heldTraced = await repeat('track, anonymous, traced', RUNS.cheap, () => track({ identified: false, mobile: false, trace: 'tasks' }));
      const identifiedTraced = await repeat('track, identified, traced', RUNS.cheap, () => track({ identified: true, mobile: false, trace: 'tasks' }));
      const heldProfiled = await repeat('track, anonymous, profiled', RUNS.profiled, () => track({ identified: false, mobile: false, trace: 'profile' }));
      const identifiedProfiled = await repeat('track, identified, profiled', RUNS.profiled, () => track({ identified: true, mobile: false, trace: 'profile' }));
      sections.push({
        title: 'Main-thread cost of track (desktop)',
        figures: trackFigures('track', held, heldTraced, identified, identifiedTraced, true),
        notes: [...tracingNote(identified, identifiedTraced), ...trackNotes(identifiedProfiled, heldProfiled)],
      });
    }
    if (wants('delivery')) {
      const limited = await startBenchServer({ limited: true });
      try {
        const paced = await repeat('delivery at 300 rps', RUNS.slow, () => track({ identified: true, mobile: false }, limited));
        sections.push({
          title: `Delivery of ${TRACK_CALLS} identified events: browser → relay (/regal) → reference /events`,
          figures: [
            { path: 'delivery.ms', label: 'first call → all delivered, limits lifted', unit: 'ms', digits: 0, summary: field(identified, (r) => r.deliveredMs), target: lt(2000, 'ms') },
            { path: 'delivery.requests', label: 'POSTs to /regal, limits lifted', unit: '', digits: 0, summary: field(identified, (r) => r.requests), target: le(25, 'requests') },
            { path: 'delivery.bytesPerEvent', label: 'bytes sent to /regal per event', unit: 'B', digits: 0, summary: field(identified, (r) => r.bytesPerEvent) },
            { path: 'delivery.confirmed', label: 'events recorded at /_stub/events (distinct)', unit: '', digits: 0, summary: field(identified, (r) => r.confirmed) },
            { path: 'delivery.msAt300rps', label: "first call → all delivered, Regal's 300 rps (relay + server)", unit: 'ms', digits: 0, summary: field(paced, (r) => r.deliveredMs) },
            { path: 'delivery.requestsAt300rps', label: 'POSTs to /regal at 300 rps', unit: '', digits: 0, summary: field(paced, (r) => r.requests) },
          ],
          notes: ["flushIntervalMs 250 and batchSize 100 (the defaults); the relay forwards one visitor's events one at a time, in order"],
        });
      } finally {
        await limited.close();
      }
    }
  }

  if (wants('memory')) {
    const identified = await repeat(`heap, ${HEAP_CALLS} identified`, RUNS.slow, () => measureHeap(browser, free, { identified: true, count: HEAP_CALLS }));
    const held = await repeat(`heap, ${HEAP_CALLS} held`, RUNS.slow, () => measureHeap(browser, free, { identified: false, count: HEAP_CALLS }));
    sections.push({
      title: `Page heap after ${HEAP_CALLS.toLocaleString('en-US')} track calls (DevTools protocol, after full GC)`,
      figures: [
        { path: 'memory.heapGrowthKB', label: 'identified, all delivered', unit: 'KB', digits: 0, summary: field(identified, (r) => r.heapGrowthKB) },
        { path: 'memory.heapGrowthKBHeld', label: 'anonymous, all held', unit: 'KB', digits: 0, summary: field(held, (r) => r.heapGrowthKB) },
        { path: 'memory.heapBytesPerHeldEvent', label: 'per held event', unit: 'B', digits: 0, summary: field(held, (r) => r.bytesPerEvent) },
        { path: 'memory.dropped', label: 'events dropped (must be 0)', unit: '', digits: 0, summary: summarize([...identified, ...held].map((r) => r.dropped)) },
      ],
      notes: [`maxEvents ${HEAP_CALLS * 2} and maxBytes ${(HEAP_CALLS * 2_000).toLocaleString('en-US')} for these runs (the default caps, 1,000 events and 2 MB, would drop most of the burst)`],
    });
  }

  if (wants('mobile')) {
    const m = { mobile: true };
    const plain = await repeat('mobile load', RUNS.slow, () => measureLoad(browser, free, { ...m, trace: false }));
    const traced = await repeat('mobile load, traced', RUNS.slow, () => measureLoad(browser, free, { ...m, trace: true }));
    const held = await repeat('mobile track, anonymous', RUNS.slow, () => track({ identified: false, ...m }));
    const heldTraced = await repeat('mobile track, anonymous, traced', RUNS.slow, () => track({ identified: false, ...m, trace: 'tasks' }));
    const identified = await repeat('mobile track, identified', RUNS.slow, () => track({ identified: true, ...m }));
    const identifiedTraced = await repeat('mobile track, identified, traced', RUNS.slow, () => track({ identified: true, ...m, trace: 'tasks' }));
    sections.push({
      title: `Mobile: ${MOBILE_DEVICE} viewport, CPU throttled ${MOBILE_CPU_SLOWDOWN}× (Emulation.setCPUThrottlingRate)`,
      figures: [
        ...loadFigures('mobile.load', plain, traced),
        ...trackFigures('mobile.track', held, heldTraced, identified, identifiedTraced, false),
        { path: 'mobile.delivery.ms', label: 'first call → all delivered, limits lifted', unit: 'ms', digits: 0, summary: field(identified, (r) => r.deliveredMs) },
      ],
      notes: tracingNote(identified, identifiedTraced),
    });
    extra.mobile = { device: MOBILE_DEVICE, cpuSlowdown: MOBILE_CPU_SLOWDOWN };
  }
}

async function relayPart() {
  const throughput = await measureThroughput({ runs: RUNS.cheap, total: 10_000, visitors: 'each' });
  log('relay throughput');
  const ordered = await measureThroughput({ runs: RUNS.slow, total: 5_000, visitors: 'batch' });
  log('relay throughput, one visitor per batch');
  const paced = await measurePacing({ runs: RUNS.slow, total: 1_200 });
  log('relay pacing');
  const inFlight = await measureInFlight({ runs: RUNS.slow, events: 10_000 });
  log('relay memory');
  sections.push({
    title: `Relay alone (node:http, own process${relayPinned ? ', pinned to one core' : ''}), local upstream`,
    figures: [
      { path: 'relay.eventsPerSecond', label: "accepted + forwarded per second of the relay's CPU time", unit: 'ev/s', digits: 0, summary: field(throughput, (r) => r.eventsPerCpuSecond), target: ge(5000, 'ev/s') },
      { path: 'relay.eventsPerSecondWall', label: 'the same per wall-clock second (relay pinned to one core)', unit: 'ev/s', digits: 0, summary: field(throughput, (r) => r.eventsPerSecond) },
      { path: 'relay.eventsPerSecondOrdered', label: "per second, each batch one visitor's (sent in order)", unit: 'ev/s', digits: 0, summary: field(ordered, (r) => r.eventsPerSecond) },
      { path: 'relay.paced.perSecond', label: "forwarded rate at Regal's limit (300/s)", unit: 'req/s', digits: 1, summary: field(paced, (r) => r.perSecond), target: { text: '285 – 300 req/s', pass: (v) => v >= 285 && v <= 300.5 } },
      { path: 'relay.paced.maxInAnySecond', label: 'most requests in any sliding 1 s window', unit: 'req', digits: 0, summary: field(paced, (r) => r.maxInAnySecond) },
      { path: 'relay.paced.loopDelayMaxMs', label: "relay's longest event-loop delay while pacing", unit: 'ms', summary: field(paced, (r) => r.loopDelayMaxMs) },
      { path: 'relay.paced.retried', label: 'events answered retry at 300/s (1,200 sent)', unit: '', digits: 0, summary: field(paced, (r) => r.retry) },
      { path: 'relay.memory.heapGrowthKB', label: '10,000 events in flight: heapUsed growth', unit: 'KB', digits: 0, summary: field(inFlight, (r) => r.heapGrowthKB) },
      { path: 'relay.memory.rssGrowthKB', label: '10,000 events in flight: RSS growth', unit: 'KB', digits: 0, summary: field(inFlight, (r) => r.rssGrowthKB) },
      { path: 'relay.memory.heapBytesPerEvent', label: 'heap per event in flight', unit: 'B', digits: 0, summary: field(inFlight, (r) => r.heapBytesPerEvent) },
    ],
    notes: [
      'throughput: batches of 100 from 8 parallel senders, every event its own visitor; pacing lifted; the upstream answers 200 at once (other core)',
      "events/s of the relay's CPU time = what one core fully given to it forwards; the wall-clock figure shares the machine with the load, the upstream and anything else running",
      "pacing: the 1 s window counts arrivals at the upstream; the pacer's schedule allows 301, a late timer sends its overdue requests back to back",
    ],
  });
}

/** The relay with its state in Redis against memory: throughput (one and three instances) and added latency. */
async function statePart() {
  if (!HAS_REDIS) {
    console.warn('\n*** bench: redis-server is not installed (apt-get install redis-server): the relay-with-Redis figures are SKIPPED ***\n');
    return;
  }
  const total = 6_000;
  const memory = await measureStateThroughput({ runs: RUNS.cheap, total, instances: 1, redis: false });
  log('relay state throughput, memory');
  const one = await measureStateThroughput({ runs: RUNS.cheap, total, instances: 1, redis: true });
  log('relay state throughput, Redis, one instance');
  const three = await measureStateThroughput({ runs: RUNS.cheap, total, instances: 3, redis: true });
  log('relay state throughput, Redis, three instances');
  const latency = await measureStateLatency({ runs: RUNS.cheap, count: 500 });
  log('relay state latency');
  sections.push({
    title: `Relay with its state in Redis vs memory (own processes${relayPinned ? ', relays pinned to one core, Redis and upstream on the other' : ''}), local upstream`,
    figures: [
      { path: 'relayState.eventsPerCpuSecondMemory', label: "memory, one instance: accepted + forwarded per second of the relay's CPU", unit: 'ev/s', digits: 0, summary: field(memory, (r) => r.eventsPerCpuSecond) },
      { path: 'relayState.eventsPerCpuSecondRedis', label: 'Redis, one instance: the same', unit: 'ev/s', digits: 0, summary: field(one, (r) => r.eventsPerCpuSecond) },
      { path: 'relayState.eventsPerCpuSecondRedis3', label: 'Redis, three instances: the same per second of their CPU together', unit: 'ev/s', digits: 0, summary: field(three, (r) => r.eventsPerCpuSecond) },
      { path: 'relayState.eventsPerSecondRedis', label: 'Redis, one instance: per wall-clock second', unit: 'ev/s', digits: 0, summary: field(one, (r) => r.eventsPerSecond) },
      { path: 'relayState.eventsPerSecondRedis3', label: 'Redis, three instances: per wall-clock second (all on one core)', unit: 'ev/s', digits: 0, summary: field(three, (r) => r.eventsPerSecond) },
      { path: 'relayState.redisCpuMsPerEvent', label: "redis-server's own CPU per event (one instance)", unit: 'ms', digits: 3, summary: field(one, (r) => r.redisCpuMsPerEvent) },
      { path: 'relayState.latencyP50MsMemory', label: 'one-event batch round trip, memory: p50', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p50MsMemory) },
      { path: 'relayState.latencyP99MsMemory', label: 'one-event batch round trip, memory: p99', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p99MsMemory) },
      { path: 'relayState.latencyP50MsRedis', label: 'one-event batch round trip, Redis: p50', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p50MsRedis) },
      { path: 'relayState.latencyP99MsRedis', label: 'one-event batch round trip, Redis: p99', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p99MsRedis) },
      { path: 'relayState.addedP50Ms', label: 'added by the shared state per event: p50', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p50MsRedis - r.p50MsMemory) },
      { path: 'relayState.addedP99Ms', label: 'added by the shared state per event: p99', unit: 'ms', digits: 2, summary: field(latency, (r) => r.p99MsRedis - r.p99MsMemory) },
    ],
    notes: [
      `throughput: ${total.toLocaleString('en-US')} events a run in batches of 100 from 8 senders (split over the instances), every event its own visitor, pacing lifted (the shared schedule is still consulted for every event); Redis appendonly, fsync every second`,
      'latency: 500 one-event batches a run to each relay, one after another, alternating between the memory and the Redis relay, each event its own visitor; round trip at the load generator; "added" = Redis minus memory, run by run',
    ],
  });
}

async function main() {
  const extra: Record<string, unknown> = {};
  if (wants('size')) {
    const sizes = await measureSizes();
    const key: Record<string, string> = { 'script tag': 'scriptTag', 'npm: createRegal + track': 'npmTrack', 'snippet (inline)': 'snippet', 'ESM for browsers': 'esmBrowser' };
    const figures: Figure[] = [];
    for (const s of sizes) {
      const path = `size.${key[s.name] ?? s.name.split(' ')[0]}`;
      for (const kind of ['min', 'gzip', 'brotli'] as const) {
        const budget = s.budget[kind];
        figures.push({ path: `${path}.${kind}`, label: `${s.name}: ${kind}`, unit: 'B', digits: 0, summary: summarize([s[kind]]), target: budget ? le(budget, 'B (budget)') : undefined });
      }
    }
    sections.push({ title: 'Size (as scripts/size.mjs measures it; deterministic, one run)', figures });
    log('size');
  }

  let chromium = '';
  if (PARTS.slice(1, 6).some(wants)) {
    const browser = await launchChromium();
    chromium = browser.version();
    const free = await startBenchServer({ limited: false });
    try {
      await browserParts(browser, free, extra);
    } finally {
      await free.close();
      await browser.close();
    }
  }
  if (wants('relay')) await relayPart();
  if (wants('state')) await statePart();

  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${printTable(sections)}`);
  console.log(`\nConsole errors and uncaught exceptions on the bench pages (the library must cause none): ${problems.size ? '' : 'none'}`);
  for (const p of problems) console.log(`  - ${p}`);
  const results = toResults(sections, {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), os: `${process.platform} ${release()}`, node: process.version, chromium, loadAverage: { before: loadBefore.map((v) => +v.toFixed(2)), after: loadavg().map((v) => +v.toFixed(2)) } },
    durationSeconds: Math.round(seconds),
    runsPerFigure: RUNS,
    quick,
    only: only ?? 'all',
    pageProblems: [...problems],
    ...extra,
  });
  const file = quick || only ? join(process.cwd(), 'bench/.tmp/results.json') : join(process.cwd(), 'bench/results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nbench: ${seconds.toFixed(0)} s; results in ${file.slice(process.cwd().length + 1)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
