import type { CallOptions, Callback } from '../types';

/** A call's arguments, sorted out: see `callForm`. */
export interface CallForm {
  /** The leading names as given (`null` / `undefined` where one was left out). */
  names: unknown[];
  /** Properties (page, screen) or traits (identify): whatever sits in their place. */
  data: unknown;
  options: CallOptions | undefined;
  callback: Callback | undefined;
}

/**
 * Segment analytics.js call forms, so that existing call sites move over unchanged: up to
 * `maxNames` leading names (strings; `null` or `undefined` holds a name's place, as in
 * `page(null, 'Pricing')`; identify's userId may be a number), then the properties or
 * traits, then the options, each by position (`null` keeps its place, as in
 * `identify('u1', null, options)`), and a callback wherever it comes after the names.
 *
 * @example
 * callForm(['Docs', 'Intro', { section: 'a' }, fn], 2) // names ['Docs', 'Intro'], data {section}, callback fn
 */
export function callForm(args: unknown[], maxNames: number, numericName = false): CallForm {
  let n = 0;
  while (n < maxNames && n < args.length && (args[n] == null || typeof args[n] === 'string' || (numericName && typeof args[n] === 'number'))) n++;
  const rest = args.slice(n);
  const values = rest.filter((a) => typeof a !== 'function');
  const options = values[1];
  return {
    names: args.slice(0, n),
    data: values[0],
    options: options && typeof options === 'object' ? (options as CallOptions) : undefined,
    callback: rest.find((a) => typeof a === 'function') as Callback | undefined,
  };
}
