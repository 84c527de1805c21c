import type { CallOptions } from '../types';

// The last millisecond formatted: a burst of calls in one millisecond formats it once.
let lastMs = 0;
let lastIso = '';

/** The moment of a call as ISO 8601: the call's `timestamp` option when it is a valid
 * date, else the moment the snippet `recorded`, else now. */
export function callTimestamp(options: CallOptions | undefined, recorded?: string): string {
  const given = options && options.timestamp && new Date(options.timestamp);
  if (given && !isNaN(given.getTime())) return given.toISOString();
  if (recorded) return recorded;
  const ms = Date.now();
  if (ms !== lastMs) (lastMs = ms), (lastIso = new Date(ms).toISOString());
  return lastIso;
}
