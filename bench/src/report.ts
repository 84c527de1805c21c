/**
 * The printed table and results.json share one list of figures: each has a path in the
 * JSON (`track.usPerCall`), a label, a unit, and optionally a target it is checked against.
 */
import { round, type Summary } from './stats';

export interface Target {
  /** e.g. '< 5 µs' */
  text: string;
  pass(value: number): boolean;
}

export interface Figure {
  /** Dotted path in results.json. */
  path: string;
  label: string;
  unit: string;
  summary: Summary;
  digits?: number;
  target?: Target;
}

export interface Section {
  title: string;
  figures: Figure[];
  /** Lines printed under the section (what was measured, anything odd). */
  notes?: string[];
}

const fmt = (v: number, digits: number) => (Number.isFinite(v) ? round(v, digits).toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v));

/** The table: one row per figure, section titles and notes between them. */
export function printTable(sections: Section[]): string {
  const header = ['figure', 'median', 'min – max', 'runs', 'target', ''];
  const rows: Array<string[] | string> = [];
  for (const section of sections) {
    rows.push(`\n${section.title}`);
    for (const f of section.figures) {
      const d = f.digits ?? 1;
      const { median, min, max, runs } = f.summary;
      rows.push([
        `  ${f.label}`,
        `${fmt(median, d)} ${f.unit}`.trimEnd(),
        runs.length > 1 && min !== max ? `${fmt(min, d)} – ${fmt(max, d)}` : '',
        String(runs.length),
        f.target?.text ?? '',
        f.target ? (f.target.pass(median) ? '✓' : '✗') : '',
      ]);
    }
    for (const note of section.notes ?? []) rows.push(`    ${note}`);
  }
  const cells = [header, ...rows.filter((r): r is string[] => Array.isArray(r))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i >= 1 && i <= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map((r) => (typeof r === 'string' ? r : line(r)))].join('\n');
}

/** Sets `path` in `target` (creating objects on the way). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

/**
 * The results: every figure's median at its path, `<path>MinMax: [min, max]` beside it, and
 * every run's value under `runs[path]`.
 */
export function toResults(sections: Section[], extra: Record<string, unknown>): Record<string, unknown> {
  const results: Record<string, unknown> = { ...extra };
  const runs: Record<string, number[]> = {};
  const targets: Array<Record<string, unknown>> = [];
  for (const section of sections) {
    for (const f of section.figures) {
      const d = (f.digits ?? 1) + 1;
      setPath(results, f.path, round(f.summary.median, d));
      if (f.summary.runs.length > 1) {
        setPath(results, `${f.path}MinMax`, [round(f.summary.min, d), round(f.summary.max, d)]);
        runs[f.path] = f.summary.runs.map((v) => round(v, d));
      }
      if (f.target) targets.push({ figure: f.path, value: round(f.summary.median, d), target: f.target.text, pass: f.target.pass(f.summary.median) });
    }
  }
  results.targets = targets;
  results.runs = runs;
  return results;
}
