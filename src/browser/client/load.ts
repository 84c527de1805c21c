/**
 * Loading storage, and the order of the calls made before it answers.
 *
 * Nothing is read or written until the first call (or `ready()`). Calls made before storage
 * has answered wait, in call order, and run right after it: each one sees the stored
 * visitor and what the calls before it did. If the page goes away first, they run at once
 * under a provisional identity (see `runBeforeLoad`).
 */
import type { ClientState } from './state';
import { watchLifecycle } from '../delivery/lifecycle';
import { derive, loadIdentity, saveIdentity } from '../identity/identity-state';
import { captureAttribution } from '../identity/capture-attribution';
import { release } from '../hold/hold';
import { leaving, restoreRescued, stayed } from './unload';
import { uuid } from '../lib/uuid';

/** Loads storage once; resolves when the calls made before it have run. */
export const ready = (c: ClientState) => (c._ready ||= load(c));

/** Runs `run` once storage has loaded (after the calls made before it). */
export function whenLoaded(c: ClientState, run: () => void): void {
  c._early.push(run);
  ready(c);
}

/** Runs `fn` now if storage has loaded, else right after, in call order. Never throws. */
export function ordered(c: ClientState, fn: () => void): void {
  const safe = () => {
    try {
      fn();
    } catch {}
  };
  c._loaded ? safe() : whenLoaded(c, safe);
}

const runEarly = (c: ClientState) => c._early.splice(0).forEach((run) => run());

/**
 * The page is going away before storage has answered (a lead form submitted on a slow
 * phone while IndexedDB is still opening): run the waiting calls now under a provisional
 * identity, so that what can be sent leaves with this page. If the page stays after all,
 * `load` merges the provisional identity into the stored one.
 */
function runBeforeLoad(c: ClientState): void {
  c._provisional = c._identity;
  c._identity.anonymousId ||= uuid();
  // The visitor of the site's other subdomains, when the cookie names one.
  c._share?.(c);
  c._loaded = true;
  runEarly(c);
}

async function load(c: ClientState): Promise<void> {
  c._stopLifecycle = watchLifecycle({
    hidden() {
      if (c._destroyed) return;
      if (!c._loaded) runBeforeLoad(c);
      leaving(c);
    },
    visible: () => stayed(c),
    online: () => c._flusher.schedule(0),
  });
  try {
    await loadIdentity(c);
    await c._queue.load(c._now());
    restoreRescued(c);
    // The visitor of the site's other subdomains (their reset, their contact), before this
    // landing's attribution is added: held events found above follow it.
    c._share?.(c);
  } catch {}
  const identity = c._identity;
  // Written back only when this load changed it: a load that rewrote the identity anyway
  // could put a stale copy over what another tab identified a moment before.
  let changed = !identity.anonymousId || !!c._provisional;
  if (!identity.anonymousId) identity.anonymousId = uuid();
  if (identity.optedOut != null) c._optedOut = identity.optedOut;
  if (c._o.captureAttribution !== false && captureAttribution(identity)) changed = true;
  if (changed) saveIdentity(c);
  else derive(c);
  c._loaded = true;
  if (c._destroyed) return;
  runEarly(c);
  // Whatever earlier visits left behind, released if the visitor is known by now.
  release(c);
  c._flusher.schedule(0);
}
