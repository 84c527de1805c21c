/**
 * Summaries of repeated runs: the median is the figure, min and max show the spread. The
 * median of an even count is the mean of the two middle values.
 */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Every run, in the order they ran. */
  runs: number[];
}

/** @example summarize([3, 1, 2]) // { median: 2, min: 1, max: 3, runs: [3, 1, 2] } */
export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length) return { median: NaN, min: NaN, max: NaN, runs: [...values] };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: [...values] };
}

/** Rounds to `digits` decimals (results.json stays readable). */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Summarizes one field of every run object. */
export function field<T>(runs: readonly T[], pick: (run: T) => number | undefined): Summary {
  return summarize(runs.map((r) => pick(r) ?? NaN));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
