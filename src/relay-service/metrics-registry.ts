/**
 * The service's metrics in Prometheus text format (version 0.0.4), fed by the relay through
 * its `metrics` hook (`inc`, `observe`).
 *
 * Our own rather than prom-client: the service needs counters with labels, one histogram
 * and a few process gauges, about a hundred lines; prom-client would be a runtime
 * dependency (with its own dependencies) of every install of this package, whose users are
 * mostly browser-SDK users who never run the service.
 *
 * Names: the relay's `events_accepted` is exported as `regal_relay_events_accepted_total`;
 * a name ending in `_ms` is exported in seconds (`pacing_wait_ms` as
 * `regal_relay_pacing_wait_seconds_total`, or as a histogram when observed), Prometheus's
 * base unit. Names the relay adds later are exported too, with a generic help text.
 */

export type Labels = Record<string, string | number>;

export interface MetricsRegistry {
  /** Adds `by` (default 1) to a counter. */
  inc(name: string, by?: number, labels?: Labels): void;
  /** Records one value in a histogram. */
  observe(name: string, value: number): void;
  /** The exposition text for `GET /metrics`. */
  render(extra?: string): string;
}

const PREFIX = 'regal_relay_';

/** What each counter counts (the HELP line). */
export const COUNTERS: Record<string, string> = {
  events_accepted: 'Events answered accepted to browsers (Regal has them, now or from an earlier send).',
  events_rejected: 'Events answered rejected for good (invalid, or refused by Regal with a 4xx).',
  events_retry: 'Events answered retry (the browser keeps them and sends them again).',
  upstream_requests: 'Requests to Regal, by HTTP status (0: no answer: network error or timeout).',
  upstream_429_pauses: 'Times Regal answered 429 and every instance paused forwarding.',
  dedupe_hits: 'Events already forwarded earlier, answered accepted without a request to Regal.',
  claims_held_elsewhere: 'Events another instance (or request) was forwarding at the time, answered retry.',
  turns_missed: 'Requests that woke more than one interval after their turn on the shared schedule (a stalled process) and took a new turn.',
  pacing_wait_ms: 'Time events waited for their turn in the account-wide rate schedule.',
  state_errors: 'Failures of the shared state store (events involved answered retry).',
  phone_warnings: 'Forwarded events whose phone Regal cannot use, by code (undialable_phone; sms_opt_in_not_mobile: an SMS opt-in on a number that cannot receive texts).',
  phone_checks: 'Numbers checked for lead forms at POST /regal/phone-check, by result (valid, undialable).',
  forward_errors: 'Failed attempts to forward an event, by upstream status ("none": no answer, or a failure before the request).',
};

/** Histogram buckets in ms (exported in seconds): from an immediate turn to a whole batch budget. */
const BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * @param declared counters exported from the start: without labels at 0, so that a dashboard
 * has a series before the first event; with labels (`upstream_requests`) from the first value.
 * @example const metrics = createMetricsRegistry(['events_accepted']); createRelay({ apiKey, metrics }); metrics.render()
 */
export function createMetricsRegistry(declared: Array<{ name: string; labelled?: boolean }> = []): MetricsRegistry {
  const counters = new Map<string, Map<string, number>>();
  const histograms = new Map<string, Histogram>();
  for (const { name, labelled } of declared) counters.set(name, new Map(labelled ? [] : [['', 0]]));

  return {
    inc(name, by = 1, labels) {
      if (!validName(name) || !Number.isFinite(by) || by < 0) return; // a counter only goes up
      let series = counters.get(name);
      if (!series) counters.set(name, (series = new Map()));
      const key = labelText(labels);
      series.set(key, (series.get(key) ?? 0) + by);
    },
    observe(name, value) {
      if (!validName(name) || !Number.isFinite(value)) return;
      let h = histograms.get(name);
      if (!h) histograms.set(name, (h = { counts: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
      for (let i = 0; i < BUCKETS_MS.length; i++) if (value <= BUCKETS_MS[i]) h.counts[i]++;
      h.sum += value;
      h.count++;
    },
    render(extra = '') {
      const lines: string[] = [];
      for (const [name, series] of counters) {
        const { exported, scale } = exportName(name);
        const full = `${PREFIX}${exported}_total`;
        lines.push(`# HELP ${full} ${COUNTERS[name] ?? `The relay's ${name} counter.`}`, `# TYPE ${full} counter`);
        for (const [labels, value] of series) lines.push(`${full}${labels} ${number(value * scale)}`);
      }
      for (const [name, h] of histograms) {
        const { exported, scale } = exportName(name);
        const full = `${PREFIX}${exported}`;
        lines.push(`# HELP ${full} ${COUNTERS[name] ?? `The relay's ${name} observations.`}`, `# TYPE ${full} histogram`);
        BUCKETS_MS.forEach((le, i) => lines.push(`${full}_bucket{le="${number(le * scale)}"} ${h.counts[i]}`));
        lines.push(`${full}_bucket{le="+Inf"} ${h.count}`, `${full}_sum ${number(h.sum * scale)}`, `${full}_count ${h.count}`);
      }
      return `${lines.join('\n')}\n${extra}`;
    },
  };
}

/** Prometheus metric names: letters, digits and underscores, not starting with a digit. */
const validName = (name: string) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);

function exportName(name: string): { exported: string; scale: number } {
  return name.endsWith('_ms') ? { exported: `${name.slice(0, -3)}_seconds`, scale: 1 / 1000 } : { exported: name, scale: 1 };
}

/** `{a="1",b="x"}` with the names sorted (one series per set of labels), or '' without labels. */
function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const names = Object.keys(labels).filter((name) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)).sort();
  if (names.length === 0) return '';
  return `{${names.map((name) => `${name}="${escapeLabel(String(labels[name]))}"`).join(',')}}`;
}

/** The exposition format escapes backslash, double quote and newline in label values. */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Integers as integers; fractions without float noise (0.1 + 0.2). */
const number = (value: number) => (Number.isInteger(value) ? String(value) : String(+value.toPrecision(12)));

/**
 * Gauges read at scrape time: whether the store answers, requests in flight, and the
 * process figures Prometheus's client libraries conventionally export.
 */
export function renderGauges(gauges: { storeUp: boolean; batchesInFlight: number; draining: boolean; startedAtMs: number }): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const gauge = (name: string, help: string, value: number, type = 'gauge') => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${number(value)}\n`;
  return [
    gauge(`${PREFIX}store_up`, '1 while the shared state store answers, 0 while it is unreachable (batches are answered retry).', gauges.storeUp ? 1 : 0),
    gauge(`${PREFIX}batches_in_flight`, 'Batches being forwarded right now.', gauges.batchesInFlight),
    gauge(`${PREFIX}draining`, '1 after SIGTERM: no new batches are taken.', gauges.draining ? 1 : 0),
    gauge('process_cpu_seconds_total', 'User and system CPU time of the process in seconds.', (cpu.user + cpu.system) / 1e6, 'counter'),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss),
    gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch in seconds.', Math.floor(gauges.startedAtMs / 1000)),
    gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', memory.heapUsed),
  ].join('');
}
