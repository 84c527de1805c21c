import type { Engine } from '../engine';
import { forwardEvent } from './forward-event';
import { ACCEPTED, OUT_OF_TIME, retry, type Outcome } from './outcome';

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
    let seen: boolean;
    try {
      seen = await engine.dedupe.has(messageId);
    } catch (error) {
      const reason = `dedupe store failed on has(): ${error instanceof Error ? error.message : String(error)}`;
      engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
      return retry(reason);
    }
    if (seen) return ACCEPTED;
    const outcome = await forwardEvent(engine, messageId, body, deadline);
    if (outcome.status === 'accepted') {
      try {
        await engine.dedupe.add(messageId, engine.dedupeWindowMs);
      } catch (error) {
        const reason = `dedupe store failed on add(): ${error instanceof Error ? error.message : String(error)}; a resend of this event would be forwarded again`;
        engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
      }
    }
    return outcome;
  } catch (error) {
    // Unreachable unless a bug: keep the promise contract (never rejects).
    const reason = `internal: ${error instanceof Error ? error.message : String(error)}`;
    engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
    return retry(reason);
  }
}
