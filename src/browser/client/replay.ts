/**
 * Calls the script tag's snippet recorded before the library loaded run later, but as if
 * made when and where they were: a replayed `page()` describes the page it was called on.
 */
import type { CallOptions, PageContext } from '../types';
import type { ClientState } from './state';
import { capturePage } from '../events/page-context';
import { callTimestamp } from './call-timestamp';

/** When and on which page a call was made. */
export interface CallMoment {
  timestamp: string;
  page: PageContext;
}

type ReplayState = Pick<ClientState, '_replaying'>;

/** Runs `call` (a public call, made now) as if made at `made`. The call's own options still
 * win. Its arguments are passed on untouched, so every call form replays as it was. */
export function replay<T>(c: ReplayState, made: CallMoment, call: () => T): T {
  c._replaying = made;
  try {
    return call();
  } finally {
    c._replaying = undefined;
  }
}

/** The page of the call being made (or replayed). */
export const pageNow = (c: ReplayState) => (c._replaying ? c._replaying.page : capturePage());

/** The timestamp of the call being made (or replayed). */
export const timestampOf = (c: ReplayState, options: CallOptions | undefined) => callTimestamp(options, c._replaying && c._replaying.timestamp);
