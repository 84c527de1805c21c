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

export function printTable(sections: Section[]): string {
  const rows: string[][] = [['figure', 'median', 'min – max', 'runs', 'target', '']];
  const lines: string[] = [];
  const widths = [0, 0, 0, 0, 0, 0];
  const all: Array<string[] | string> = [];
  for (const section of sections) {
    all.push(`\n${section.title}`);
    for (const f of section.figures) {
      const d = f.digits ?? 1;
      const s = f.summary;
      const same = s.runs.length <= 1 || s.min === s.max;
      const row = [
        `  ${f.label}`,
        `${fmt(s.median, d)} ${f.unit}`,
        same ? '' : `${fmt(s.min, d)} – ${fmt(s.max, d)}`,
        String(s.runs.length),
        f.target?.text ?? '',
        f.target ? (f.target.pass(s.median) ? '✓' : '✗') : '',
      ];
      all.push(row);
    }
    for (const note of section.notes ?? []) all.push(`    ${note}`);
  }
  for (const row of [rows[0], ...all.filter((r): r is string[] => Array.isArray(r))]) row.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 1 || i === 2 || i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  lines.push(line(rows[0]));
  for (const r of all) lines.push(typeof r === 'string' ? r : line(r));
  return lines.join('\n');
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
