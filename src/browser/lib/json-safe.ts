import type { Properties } from '../types';

/**
 * Copies `value` into plain JSON data, frozen at the moment of the call (a later mutation by
 * the caller does not change the event). Dates become ISO strings (their `toJSON`), BigInts
 * decimal strings, and functions, symbols and `undefined` are left out, as JSON.stringify
 * does. A circular reference becomes the string "[Circular]" and is reported.
 *
 * Returns the copy, its JSON length in UTF-16 units (a cheap stand-in for bytes, used by
 * the queue's caps and batching), and whether anything had to be cut.
 */
export function toJsonSafe(value: Properties): { value: Properties; json: string; circular: boolean } {
  let json: string;
  let circular = false;
  try {
    // Fast path: a native stringify without a replacer (a replacer calls back into JS for
    // every key: the bench measured it as most of a cold `track` call). It throws on a
    // BigInt and on a cycle, the two cases the slow paths below handle.
    json = JSON.stringify(value);
  } catch {
    try {
      json = JSON.stringify(value, bigintToString);
    } catch {
      circular = true;
      json = JSON.stringify(withoutCycles(value, []), bigintToString);
    }
  }
  // A toJSON that returns undefined leaves no JSON at all: an empty object, not a throw.
  json ??= '{}';
  return { value: JSON.parse(json), json, circular };
}

function bigintToString(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

// Walks the value keeping the path of ancestors: an object seen twice on different
// branches is fine JSON; only one that contains itself is a cycle.
function withoutCycles(value: unknown, ancestors: object[]): unknown {
  if (!value || typeof value !== 'object') return value;
  if (ancestors.includes(value)) return '[Circular]';
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return toJSON.call(value);
  ancestors.push(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => withoutCycles(v, ancestors));
  else {
    const copy: Record<string, unknown> = {};
    for (const k of Object.keys(value)) copy[k] = withoutCycles((value as Record<string, unknown>)[k], ancestors);
    out = copy;
  }
  ancestors.pop();
  return out;
}

/** True for a plain object (what `properties` and traits must be). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}
