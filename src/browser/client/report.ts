import type { RegalError } from '../types';
import type { ClientState } from './state';

/** Tells the site about `error`: `onError`, `on('error')`, and the console with `debug`. */
export function report(c: Pick<ClientState, '_o' | '_emitter' | '_reported'>, error: RegalError): void {
  c._reported.add(error);
  // Messages never carry the raw value (it is in `error.value`): safe to log.
  if (c._o.debug) console.warn('[regal]', error.code, error.message);
  try {
    c._o.onError?.(error);
  } catch {}
  c._emitter.emit('error', error);
}
