/**
 * Where the visitor's identity is kept between pages and shared between tabs: the one place
 * that reads, claims and writes it (one key of the client's store). Everything else asks
 * identity-state.ts, which keeps the tab's copy.
 */
import type { Identity } from './identity';
import type { Touches } from './attribution';
import type { KeyValueStore } from '../queue/store';
import type { LocalVisitor } from './reconcile-cookie';

/** What is stored about the visitor, under one key. */
export interface StoredIdentity extends Identity {
  optedOut?: boolean;
  touches?: Touches;
  /** Last change, so a tab can tell whether another tab's copy is newer. */
  updatedAt: number;
  /** When reset() began this visitor here (the cookie tells other subdomains). */
  resetAt?: number;
  /** The visitor cookie as this origin last read or wrote it (sync-cookie.ts). */
  cookie?: LocalVisitor;
}

export const IDENTITY_KEY = 'm:identity';

/** The stored identity, or `fresh` stored in its place when there is none (a first visit).
 * One transaction: two tabs opened at once must not each create their own visitor. */
export const claimIdentity = (store: KeyValueStore, fresh: StoredIdentity) => store.claim(IDENTITY_KEY, fresh) as Promise<StoredIdentity | undefined>;

/** The stored identity as another tab may have left it; undefined when unreadable. */
export const readIdentity = (store: KeyValueStore) => store.get(IDENTITY_KEY).catch(() => undefined) as Promise<StoredIdentity | undefined>;

/** Stores `identity`; a failed write is not an error of the call that changed it. */
export const writeIdentity = (store: KeyValueStore, identity: StoredIdentity) => store.setMany([[IDENTITY_KEY, identity]]).catch(() => {});
