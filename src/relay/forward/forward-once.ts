import type { Engine } from '../engine';
import { forwardEvent } from './forward-event';
import { ACCEPTED, OUT_OF_TIME, retry, type Outcome } from './outcome';
import type { DedupeStore } from '../types';

/**
 * Forwards a messageId at most once: the guarantee Regal cannot give (it has no
 * idempotency key), given by the relay.
 *
 * - Already forwarded (in the dedupe store): `accepted`, without a request.
 * - Being forwarded right now by another request (a beacon and a retry racing): wait for
 *   that outcome instead of sending a second copy. Should that end in `retry` while this
 *   request still has time, try again (the other attempt is over by then).
 * - Marked in the store only after upstream 200, so a failure never hides an event.
 *
 * With the shared state (the default), the messageId is claimed first: see `forwardClaimed`.
 * A dedupe store that fails on `has` makes the event `retry` (the store cannot say it is
 * new, and forwarding anyway could create a duplicate); one that fails on `add` is
 * reported and the event still `accepted` (Regal has it).
 *
 * Never rejects.
 */
export function forwardOnce(engine: Engine, messageId: string, body: string, deadline: number): Promise<Outcome> {
  if (engine.now() >= deadline) return Promise.resolve(OUT_OF_TIME);
  const running = engine.inFlight.get(messageId);
  if (running) return join(engine, running, messageId, body, deadline);

  const job = forwardUnlessSeen(engine, messageId, body, deadline);
  engine.inFlight.set(messageId, job);
  // Registered before any joiner's callback: the entry is gone by the time they resume.
  void job.then(() => {
    if (engine.inFlight.get(messageId) === job) engine.inFlight.delete(messageId);
  });
  return job;
}

async function join(engine: Engine, running: Promise<Outcome>, messageId: string, body: string, deadline: number): Promise<Outcome> {
  const outcome = await running;
  return outcome.status === 'retry' ? forwardOnce(engine, messageId, body, deadline) : outcome;
}

async function forwardUnlessSeen(engine: Engine, messageId: string, body: string, deadline: number): Promise<Outcome> {
  try {
    return engine.dedupe ? await forwardWithStore(engine, engine.dedupe, messageId, body, deadline) : await forwardClaimed(engine, messageId, body, deadline);
  } catch (error) {
    // Unreachable unless a bug: keep the promise contract (never rejects).
    const reason = `internal: ${error instanceof Error ? error.message : String(error)}`;
    engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
    return retry(reason);
  }
}

/**
 * With the shared state: claim, forward, then mark (200) or release. A claim held by
 * another instance is `retry`: that instance is forwarding the event right now, and the
 * resend is answered `accepted` once it is marked.
 */
async function forwardClaimed(engine: Engine, messageId: string, body: string, deadline: number): Promise<Outcome> {
  let claim;
  try {
    claim = await engine.state.claim(messageId, engine.token, engine.claimTtlMs);
  } catch (error) {
    return stateFailed(engine, messageId, 'claim', error);
  }
  if (claim === 'forwarded') {
    engine.count('dedupe_hits');
    return ACCEPTED;
  }
  if (claim === 'held') {
    engine.count('claims_held_elsewhere');
    return HELD_ELSEWHERE;
  }
  const outcome = await forwardEvent(engine, messageId, body, deadline);
  try {
    if (outcome.status === 'accepted') await engine.state.markForwarded(messageId, engine.dedupeWindowMs);
    else await engine.state.release(messageId, engine.token);
  } catch (error) {
    // Not marked: the claim expires by itself, and until then a resend is `retry`; after
    // it, a resend would be forwarded again (the one duplicate this cannot prevent).
    stateFailed(engine, messageId, outcome.status === 'accepted' ? 'markForwarded' : 'release', error);
  }
  return outcome;
}

const HELD_ELSEWHERE = retry('another relay instance is forwarding this event');

function stateFailed(engine: Engine, messageId: string, call: string, error: unknown): Outcome {
  const reason = `shared state failed on ${call}(): ${error instanceof Error ? error.message : String(error)}`;
  engine.count('state_errors');
  engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
  return retry(reason);
}

/** With an older `DedupeStore`: check, forward, add (races between instances). */
async function forwardWithStore(engine: Engine, dedupe: DedupeStore, messageId: string, body: string, deadline: number): Promise<Outcome> {
  let seen: boolean;
  try {
    seen = await dedupe.has(messageId);
  } catch (error) {
    const reason = `dedupe store failed on has(): ${error instanceof Error ? error.message : String(error)}`;
    engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
    return retry(reason);
  }
  if (seen) {
    engine.count('dedupe_hits');
    return ACCEPTED;
  }
  const outcome = await forwardEvent(engine, messageId, body, deadline);
  if (outcome.status === 'accepted') {
    try {
      await dedupe.add(messageId, engine.dedupeWindowMs);
    } catch (error) {
      const reason = `dedupe store failed on add(): ${error instanceof Error ? error.message : String(error)}; a resend of this event would be forwarded again`;
      engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
    }
  }
  return outcome;
}
