import type { Engine } from '../engine';

/**
 * Stops forwarding and resolves once no request to Regal is in flight any more: each one
 * sent has its answer and its record (marked forwarded, or its claim released).
 *
 * What is still waiting for its turn never leaves: it is answered `retry`, and the browser
 * sends it again (to another instance, or to this one started again). A request already
 * sent is awaited rather than cut: Regal may have recorded it, and only the relay's mark
 * keeps a resend of the event from being recorded twice. Each is bounded by
 * `upstreamTimeoutMs` and the state's own timeout.
 */
export async function closeForwarding(engine: Engine): Promise<void> {
  engine.closing = true;
  while (engine.inFlight.size > 0) await Promise.allSettled([...engine.inFlight.values()]);
}
