/**
 * Reading Chromium traces (the DevTools protocol's Tracing domain, as JSON): the renderer
 * main thread of the page, its tasks, and what ran inside them. Durations are in µs in
 * the trace and in ms here.
 *
 * - A task is a top-level `ThreadControllerImpl::RunTask` (category toplevel; `RunTask` in
 *   the devtools.timeline categories is the same task) on the renderer main thread: nested
 *   run loops aside, everything the main thread does happens inside one. It is what the
 *   Long Tasks API reports, without its 50 ms floor.
 * - The page marks its phases with `performance.mark('bench:...')`; the marks are in the
 *   trace too (category blink.user_timing), on the renderer main thread, which is how the
 *   right thread and the right time window are found.
 */
export interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { data?: Record<string, unknown>; [key: string]: unknown };
}

export interface Trace {
  events: TraceEvent[];
  /** The renderer main thread of the bench page. */
  pid: number;
  tid: number;
  /** ts (µs) of each `bench:*` mark, by name (the last one when marked twice). */
  marks: Map<string, number>;
}

export function parseTrace(buffer: Buffer): Trace {
  const json = JSON.parse(buffer.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(json) ? json : (json.traceEvents ?? []);
  const marks = new Map<string, number>();
  let pid = -1;
  let tid = -1;
  for (const e of events) {
    if (e.cat.includes('blink.user_timing') && e.name.startsWith('bench:')) {
      marks.set(e.name, e.ts);
      pid = e.pid;
      tid = e.tid;
    }
  }
  if (pid < 0) throw new Error('trace: no bench:* mark found; was the bench page traced?');
  return { events, pid, tid, marks };
}

export function mark(trace: Trace, name: string): number {
  const ts = trace.marks.get(name);
  if (ts === undefined) throw new Error(`trace: mark ${name} missing (have ${[...trace.marks.keys()].join(', ')})`);
  return ts;
}

const onMain = (trace: Trace, e: TraceEvent) => e.pid === trace.pid && e.tid === trace.tid && e.ph === 'X' && e.dur !== undefined;

/** Top-level tasks of the main thread that overlap [fromTs, toTs], in order. */
export function tasks(trace: Trace, fromTs: number, toTs: number): TraceEvent[] {
  const all = trace.events
    .filter((e) => onMain(trace, e) && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts <= toTs && e.ts + e.dur! >= fromTs)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const top: TraceEvent[] = [];
  for (const e of all) {
    const last = top[top.length - 1];
    if (last && e.ts < last.ts + last.dur!) continue; // nested inside the previous one (or its twin)
    top.push(e);
  }
  return top;
}

/** The task running at `ts`, if any. */
export function taskAt(trace: Trace, ts: number): TraceEvent | undefined {
  return tasks(trace, ts, ts).find((t) => t.ts <= ts && ts <= t.ts + t.dur!);
}

/** Main-thread events with this name inside [fromTs, toTs]. */
export function eventsNamed(trace: Trace, name: string, fromTs = -Infinity, toTs = Infinity): TraceEvent[] {
  return trace.events.filter((e) => onMain(trace, e) && e.name === name && e.ts >= fromTs && e.ts <= toTs);
}

/** Events with this name on any thread (background parsing runs off the main thread). */
export function anyThreadNamed(trace: Trace, name: string): TraceEvent[] {
  return trace.events.filter((e) => e.name === name && e.ph === 'X' && e.dur !== undefined);
}

/** Total ms covered by the intervals (overlaps counted once). */
export function unionMs(intervals: TraceEvent[]): number {
  const sorted = [...intervals].sort((a, b) => a.ts - b.ts);
  let total = 0;
  let end = -Infinity;
  for (const e of sorted) {
    const start = Math.max(e.ts, end);
    const stop = e.ts + e.dur!;
    if (stop > start) total += stop - start;
    end = Math.max(end, stop);
  }
  return total / 1000;
}

interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface Samples {
  nodes: Map<number, ProfileNode>;
  /** Sample time (µs, trace clock), the node on top of the stack, and the time it stands for. */
  samples: Array<{ ts: number; id: number; us: number }>;
}

/**
 * The V8 CPU profile of the main thread, as tracing records it (category
 * disabled-by-default-v8.cpu_profiler): a `Profile` event on the sampled thread, then
 * `ProfileChunk`s (from the profiler's thread) adding nodes and samples with time deltas.
 */
export function cpuSamples(trace: Trace): Samples {
  const nodes = new Map<number, ProfileNode>();
  const samples: Samples['samples'] = [];
  const profile = trace.events.find((e) => e.name === 'Profile' && e.pid === trace.pid && e.tid === trace.tid) as (TraceEvent & { id?: string }) | undefined;
  if (!profile) return { nodes, samples };
  let ts = Number((profile.args?.data as { startTime?: number } | undefined)?.startTime ?? profile.ts);
  for (const e of trace.events as Array<TraceEvent & { id?: string }>) {
    if (e.name !== 'ProfileChunk' || e.pid !== trace.pid || e.id !== profile.id) continue;
    const data = e.args?.data as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined;
    for (const node of data?.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
    const ids = data?.cpuProfile?.samples ?? [];
    const deltas = data?.timeDeltas ?? [];
    for (let i = 0; i < ids.length; i++) {
      ts += deltas[i] ?? 0;
      samples.push({ ts, id: ids[i], us: 0 });
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < samples.length; i++) samples[i].us = i + 1 < samples.length ? Math.min(samples[i + 1].ts - samples[i].ts, 2_000) : 0;
  return { nodes, samples };
}

/**
 * Where the main thread spent [fromTs, toTs], by function (self time, from the CPU
 * profile), largest first, in ms. A builtin or native function (no script URL) is named
 * with the nearest script function above it: `stringify ← enqueue (src/client.ts:380)`.
 */
export function hotFunctions(profile: Samples, fromTs: number, toTs: number, resolve: (url: string, line: number, column: number) => string | undefined, top = 6): Array<{ what: string; ms: number }> {
  const label = (node: ProfileNode): string => {
    const f = node.callFrame;
    const name = f.functionName || '(anonymous)';
    if (!f.url) return name;
    const where = resolve(f.url, f.lineNumber, f.columnNumber) ?? `${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    return `${name} (${where})`;
  };
  const byWhat = new Map<string, number>();
  for (const s of profile.samples) {
    if (s.ts < fromTs || s.ts > toTs) continue;
    const node = profile.nodes.get(s.id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    let what = label(node);
    if (!node.callFrame.url && !node.callFrame.functionName.startsWith('(')) {
      let up = node.parent === undefined ? undefined : profile.nodes.get(node.parent);
      while (up && !up.callFrame.url) up = up.parent === undefined ? undefined : profile.nodes.get(up.parent);
      if (up) what += ` ← ${label(up)}`;
    }
    byWhat.set(what, (byWhat.get(what) ?? 0) + s.us);
  }
  return [...byWhat]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([what, us]) => ({ what, ms: Math.round(us) / 1000 }));
}
