/**
 * A call's properties, copied at the moment of the call: a later mutation by the caller
 * must not change the event, even when the event is built after storage loads.
 */
import type { Properties } from '../types';
import type { ClientState } from './state';
import { isPlainObject, toJsonSafe } from '../lib/json-safe';
import { regalError } from '../errors';
import { report } from './report';

/** The copy, with its JSON; `null` for no properties, `undefined` for input that is not a
 * plain object of JSON data. Plain values, not closures: this is `track`'s hot path. */
export type PropsCopy = ReturnType<typeof toJsonSafe> | null | undefined;

export function copyProps(value: unknown): PropsCopy {
  if (value == null) return null;
  try {
    // A getter or toJSON of the caller's may throw, or turn the object into something else.
    const copy = isPlainObject(value) && toJsonSafe(value);
    // JSON text of an object parses to a plain object: no second prototype check needed.
    return copy && copy.json[0] === '{' ? copy : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The copy as the event's builder uses it, when the call runs, so that a bad input is
 * reported in call order and through the call's callback. Messages name the input: `label`
 * (of `name`).
 */
export function readProps(c: Parameters<typeof report>[0], copy: PropsCopy, input: unknown, label: string, name?: unknown): { value: Properties; json: string } {
  const what = () => label + (name === undefined ? '' : ` of ${name}`);
  if (copy === undefined) throw regalError('invalid_properties', `${what()}: not a plain object of JSON data`, input);
  if (!copy) return { value: {}, json: '{}' };
  if (copy.circular) report(c, regalError('invalid_properties', `${what()}: circular reference sent as "[Circular]"`));
  return copy;
}
