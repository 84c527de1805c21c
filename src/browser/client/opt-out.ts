/**
 * Opting out: nothing tracked, nothing kept. The choice is stored with the identity (so
 * other tabs follow it) and mirrored in localStorage, which can be read at once: an
 * opted-out visitor must not be tracked in the moments before IndexedDB answers.
 */
import type { ClientState, ResolvedOptions } from './state';
import { drop, placeholder } from './outcomes';

const mirrorKey = (storageName: string) => `${storageName}:opted-out`;

/** The localStorage mirror of the choice (false where localStorage cannot be read). */
export function readOptOut(storageName: string): boolean {
  try {
    return localStorage.getItem(mirrorKey(storageName)) === '1';
  } catch {
    return false;
  }
}

export function writeOptOut(storageName: string, out: boolean): void {
  try {
    out ? localStorage.setItem(mirrorKey(storageName), '1') : localStorage.removeItem(mirrorKey(storageName));
  } catch {}
}

/** Whether a new client starts opted out: the stored choice, the option, or the browser's
 * privacy signals when the site asked to respect them. */
export function startsOptedOut(o: ResolvedOptions, nav: { globalPrivacyControl?: boolean; doNotTrack?: string | null } | undefined): boolean {
  return readOptOut(o.storageName) || !!o.optedOut || (!!o.respectGlobalPrivacyControl && !!nav?.globalPrivacyControl) || (!!o.respectDoNotTrack && nav?.doNotTrack === '1');
}

/**
 * A call made while opted out is not even built (an identify must not keep the visitor's
 * PII): kept in memory with `optedOutStorage: 'memory'` (run at optIn(), dropped if the
 * visitor who made it is reset first), else dropped. Returns true when it was dropped.
 */
export function holdOrDropOptedOut(c: ClientState, messageId: string, attempt: () => void): boolean {
  if (c._o.optedOutStorage === 'memory') {
    c._optOutBuffer.push({ anon: c._identity.anonymousId, messageId, attempt });
    return false;
  }
  drop(c, 'opted-out', placeholder(messageId));
  return true;
}

/** Runs the calls kept while opted out (at optIn, here or in another tab). */
export function runOptOutBuffer(c: Pick<ClientState, '_optOutBuffer'>): void {
  const buffered = c._optOutBuffer;
  c._optOutBuffer = [];
  buffered.forEach((b) => b.attempt());
}

/** Takes out the kept calls of the visitor `anon` (reset() drops them with the visitor). */
export function takeOptOutBuffer(c: Pick<ClientState, '_optOutBuffer'>, anon: string) {
  const theirs = c._optOutBuffer.filter((b) => b.anon === anon);
  c._optOutBuffer = c._optOutBuffer.filter((b) => b.anon !== anon);
  return theirs;
}

/** Not tracking means not keeping what was tracked either. */
export function dropAllForOptOut(c: ClientState): void {
  const all = c._queue.list();
  if (all.length) c._queue.remove(all), drop(c, 'opted-out', all);
}

/** Follows the choice stored by another tab (`stored`, undefined when never made). */
export function adoptOptOut(c: ClientState, stored: boolean | undefined): void {
  // An optOut() in another tab stops this one too, before its next send.
  if (stored && !c._optedOut) dropAllForOptOut(c);
  const optedIn = c._optedOut && stored === false;
  if (stored != null) c._optedOut = stored;
  // And an optIn() there sends what this tab kept in memory meanwhile.
  if (optedIn) runOptOutBuffer(c);
}
