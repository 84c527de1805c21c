/**
 * What the modules of one client share: a single plain object, so that each concept (hold,
 * identity, outcomes, opt-out, ...) is a file of plain functions over it, which the
 * minifier can inline; a closure per module would add bytes to every bundle. The script
 * tag's build shortens the `_` names (a user's bundler keeps them). Each field is written by
 * the module named beside it; the others only read it.
 */
import type { DropReason, RegalError, RegalEvents } from '../types';
import type { ContactTraits } from '../../wire/schema';
import type { Emitter } from '../lib/emitter';
import type { KeyValueStore } from '../queue/store';
import type { Queue } from '../queue/queue';
import type { Flusher } from '../delivery/flusher';
import type { Transport } from '../delivery/transport';
import type { StoredIdentity } from '../identity/identity-store';
import type { CallMoment } from './replay';
import type { resolveOptions } from './options';

export type ResolvedOptions = ReturnType<typeof resolveOptions>;

/** A call made while opted out with `optedOutStorage: 'memory'`, kept until optIn(). */
export interface BufferedCall {
  /** The visitor who made it: reset() drops their calls. */
  anon: string;
  messageId: string;
  attempt: () => void;
}

export interface ClientState {
  // client.ts: fixed at creation
  _o: ResolvedOptions;
  _now: () => number;
  /** Keeps this tab's event keys, lease and rescue copy apart from other tabs'. */
  _tabId: string;
  _emitter: Emitter<RegalEvents>;
  _store: KeyValueStore;
  _queue: Queue;
  _flusher: Flusher;
  _transport: Transport;
  /** destroy() was called: what runs late changes nothing. */
  _destroyed: boolean;

  // identity/identity-state.ts: who the visitor is, and what follows from it (worked out once
  // per change, not per event)
  _identity: StoredIdentity;
  /** The primary phone and email every event carries. */
  _stamp: ContactTraits;
  /** JSON length of the stamp, for sizing events without serialising them. */
  _stampBytes: number;
  _contactable: boolean;
  /** Keeps the visitor cookie in step (identity/sync-cookie.ts); unset with cookieDomain false. */
  _share: ((c: ClientState) => void) | undefined;
  /** The visitor cookie's domain; '' when there is none (one visitor per origin). */
  _cookieAt: string | undefined;

  // hold/hold.ts
  _syncSoon: ReturnType<typeof setTimeout> | undefined;

  // client/load.ts
  /** Storage has answered (or the page is leaving without it): calls run at once. */
  _loaded: boolean;
  /** Calls made before that, in call order. */
  _early: Array<() => void>;
  _ready: Promise<void> | undefined;
  /** The identity calls ran under before storage answered (see runBeforeLoad). */
  _provisional: StoredIdentity | undefined;
  _stopLifecycle: () => void;

  // client/opt-out.ts
  _optedOut: boolean;
  _optOutBuffer: BufferedCall[];

  // client/outcomes.ts
  _dropped: Record<DropReason, number>;
  _delivered: number;
  /** `.delivered` promises waiting for their event's outcome, by messageId. */
  _waiters: Map<string, (ok: boolean) => void>;
  /** Outcomes nobody asked for yet, by messageId. */
  _outcomes: Map<string, boolean>;
  /** Errors already reported (an identify reports each invalid trait, then fails with one). */
  _reported: WeakSet<RegalError>;

  // client/record.ts: the last key's time, and the call counter that orders keys within it
  _seq: number;
  _keyMs: number;
  _keyTime: string;

  // client/call.ts
  /** The latest queue write: flush() waits for it. */
  _lastWrite: Promise<void>;

  // client/unload.ts
  /** Keys sent by the last unload (not sent twice if the page hides again). */
  _unloadSent: Set<string>;
  /** A rescue copy is in localStorage and must follow what reaches IndexedDB. */
  _rescueSaved: boolean;

  // client/replay.ts
  _replaying: CallMoment | undefined;
}
