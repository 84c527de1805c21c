/**
 * One public call, from the caller to the queue: run once storage has loaded (in call
 * order), built, checked, stored; its result settles once stored, and `.delivered` once the
 * event was sent or dropped. This is `track`'s hot path: once loaded it allocates one
 * promise and one accessor, nothing per event beyond that.
 */
import type { CallOptions, CallResult, Callback, RegalError } from '../types';
import type { ContactTraits } from '../../wire/schema';
import type { EventBase, OutgoingEvent } from '../events/event-builders';
import type { ClientState } from './state';
import { regalError } from '../errors';
import { whenLoaded } from './load';
import { holdOrDropOptedOut } from './opt-out';
import { drop, outcomeOf, placeholder, settle } from './outcomes';
import { newRecord } from './record';
import { report } from './report';
import { releaseSoon } from '../hold/hold';

/** What a call's builder returns: the event, whether it is held, its properties' JSON size. */
export interface Built {
  event: OutgoingEvent;
  held: boolean;
  size?: number;
}

const noop = () => {};

/**
 * Runs a call and returns its result. `build` returns the event (with the JSON size of its
 * properties, when known), undefined when there is nothing to send, or throws a RegalError.
 */
export function call(c: ClientState, callback: Callback | undefined, messageId: string, build: () => Built | undefined): CallResult {
  let failed = false;
  let error: RegalError | null = null;
  // Closures and arrays only where needed: this is `track`'s hot path.
  /** Builds and stores the event (returns its write), or keeps or drops the call while
   * opted out. */
  const attempt = (): Promise<void> | undefined => {
    if (c._optedOut) {
      if (holdOrDropOptedOut(c, messageId, attempt)) failed = true;
      return;
    }
    try {
      const built = build();
      if (built) return enqueue(c, built);
      // Nothing to send (an identify that changes nothing): `.delivered` is false.
      failed = true;
      settle(c, placeholder(messageId), false);
    } catch (e) {
      error = (e as RegalError).name === 'RegalError' ? (e as RegalError) : regalError('internal', String(e));
      if (!c._reported.has(error)) report(c, error);
      failed = true;
      drop(c, 'invalid', placeholder(messageId));
    }
  };
  const run = (): Promise<void> => {
    const stored = attempt() || Promise.resolve();
    return callback ? stored.then(() => void callback(error), () => {}).catch(() => {}) : stored.then(noop, noop);
  };
  let result: CallResult;
  if (c._loaded) result = run() as CallResult;
  else {
    let resolve!: () => void;
    result = new Promise<void>((r) => (resolve = r)) as CallResult;
    whenLoaded(c, () => run().then(resolve));
  }
  let delivered: Promise<boolean> | undefined;
  Object.defineProperty(result, 'delivered', {
    get: () => (delivered ||= failed ? Promise.resolve(false) : outcomeOf(c, messageId)),
  });
  return result;
}

/** Stores a built event; resolves once it is stored. */
function enqueue(c: ClientState, built: Built): Promise<void> {
  const record = newRecord(c, built.event, built.held, built.size);
  c._lastWrite = c._queue.add(record);
  if (built.held) releaseSoon(c);
  return c._lastWrite;
}

/** The fields every event of a call shares, fixed at the moment the call runs. */
export const base = (c: ClientState, messageId: string, timestamp: string, options: CallOptions | undefined, traits: ContactTraits = c._stamp): EventBase => ({
  messageId,
  timestamp,
  eventSource: c._o.eventSource,
  userId: c._identity.userId || (options && options.anonymousId) || c._identity.anonymousId,
  traits,
});
