import { parseRetryAfter } from '../../wire/retry-timing';
import type { Engine } from '../engine';
import { classifyUpstreamStatus, upstreamReason } from '../upstream/classify-upstream';
import { upstreamRetryDelay } from '../upstream/retry-delay';
import type { UpstreamResponse } from '../upstream/transport';
import { ACCEPTED, OUT_OF_TIME, rejected, retry, type Outcome } from './outcome';

const CLOSING = retry('the relay is closing');

/** How long before its turn a waiting request asks whether another instance paused the schedule. */
const PAUSE_CHECK_LEAD_MS = 20;

/**
 * Forwards one serialized event upstream, retrying within `deadline` (ms, engine clock):
 * takes a slot (bounded concurrency), waits for its turn in the shared pacing schedule,
 * posts, and classifies the answer. Never rejects.
 *
 * The slot is held only while waiting for the send time and during the request, not
 * during backoff, so a failing event does not hold back healthy ones.
 */
export async function forwardEvent(engine: Engine, messageId: string, body: string, deadline: number): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    const waitForSlot = engine.slots.acquire();
    if (waitForSlot) await waitForSlot;
    let result: AttemptResult;
    try {
      if (engine.now() >= deadline) return OUT_OF_TIME;
      if (engine.closing) return CLOSING;
      const waitFrom = engine.now();
      if (!(await engine.pacer.take(deadline))) {
        return retry(engine.pacer.pauseLeft() > 0 ? 'upstream asked to pause (429) past forwardTimeoutMs' : 'rate limit queue longer than forwardTimeoutMs');
      }
      if (engine.state.shared) {
        const refused = await takeSharedTurn(engine, messageId, deadline);
        if (refused) return refused;
      }
      // Closed while this request waited for its turn: it never leaves (see closeForwarding).
      if (engine.closing) return CLOSING;
      engine.observe('pacing_wait_ms', engine.now() - waitFrom);
      result = await attemptOnce(engine, body);
      engine.count('upstream_requests', 1, { status: result.response ? String(result.response.status) : 'error' });
    } finally {
      engine.slots.release();
    }

    const { response } = result;
    const kind = response ? classifyUpstreamStatus(response.status) : 'transient';
    if (kind === 'accepted') return ACCEPTED;
    const reason = response ? upstreamReason(response) : result.reason;
    const base = { messageId, attempt, status: response?.status, error: result.error, reason };

    if (kind === 'rejected' || kind === 'misconfigured') {
      engine.report({ ...base, willRetry: false });
      return kind === 'rejected' ? rejected(reason) : retry(reason);
    }
    const now = engine.now();
    if (kind === 'throttled') {
      // Retry-After applies to the account, so to every event: pause the shared schedule;
      // this event's next `pacer.take` waits for the end of the pause like everyone else's.
      const until = now + (parseRetryAfter(response!.retryAfter, now) ?? upstreamRetryDelay(attempt - 1, engine.random));
      engine.pacer.pauseUntil(until);
      engine.count('upstream_429_pauses');
      if (engine.state.shared) {
        engine.state.pause(until - now).catch((error: unknown) => {
          engine.count('state_errors');
          engine.report({ messageId, attempt, error, reason: `shared state failed on pause(): ${error instanceof Error ? error.message : String(error)}`, willRetry: false });
        });
      }
      const again = until < deadline;
      engine.report({ ...base, willRetry: again });
      if (!again) return retry(reason);
      continue;
    }
    // A 503 may say when to come back (RFC 9110); it concerns this request, not the account.
    const delay = parseRetryAfter(response?.retryAfter, now) ?? upstreamRetryDelay(attempt - 1, engine.random);
    const again = now + delay < deadline;
    engine.report({ ...base, willRetry: again });
    if (!again) return retry(reason);
    if (delay > 0) await engine.sleep(delay);
  }
}

/**
 * Waits for this request's turn on the account's schedule shared by every instance.
 * Answers the `retry` outcome when there is no turn before `deadline` or the state fails
 * (never sends unpaced), `undefined` once it is this request's turn.
 *
 * Two things can happen while it waits, and both send it back for a new turn:
 * - Its process stalls (a GC pause, a busy event loop, a starved CPU), and it wakes more
 *   than one interval after its turn. Sent then, it would share a later request's turn:
 *   a few such requests and a 1 s window holds more than rate + 1. Within one interval it
 *   still fits: the turns are one interval apart, so any 1 s window holds at most
 *   rate + 1 of them even when each leaves up to an interval late.
 * - Another instance meets a 429 and pauses the schedule: the turns handed out before the
 *   pause would still fall inside it.
 */
async function takeSharedTurn(engine: Engine, messageId: string, deadline: number): Promise<Outcome | undefined> {
  for (;;) {
    let wait: number | undefined;
    try {
      wait = await engine.state.reserve(engine.intervalMs, deadline - engine.now());
    } catch (error) {
      return sharedStateFailed(engine, messageId, 'reserve', error);
    }
    if (wait === undefined) return retry('the shared upstream schedule is fuller than forwardTimeoutMs');
    const turn = engine.now() + wait;
    if (wait > 0) {
      // Asked a little before the turn, so that the answer does not make the request late.
      await engine.sleep(wait - Math.min(wait, PAUSE_CHECK_LEAD_MS));
      let pausedFor: number;
      try {
        pausedFor = await engine.state.pauseLeft();
      } catch (error) {
        return sharedStateFailed(engine, messageId, 'pauseLeft', error);
      }
      if (pausedFor > 0) {
        // Also this instance's own pause, so its answers carry the Retry-After hint.
        engine.pacer.pauseUntil(engine.now() + pausedFor);
        continue;
      }
      const left = turn - engine.now();
      if (left > 0) await engine.sleep(left);
    }
    if (engine.intervalMs > 0 && engine.now() - turn > engine.intervalMs) {
      engine.count('turns_missed');
      continue;
    }
    return undefined;
  }
}

function sharedStateFailed(engine: Engine, messageId: string, call: string, error: unknown): Outcome {
  const reason = `shared state failed on ${call}(): ${error instanceof Error ? error.message : String(error)}`;
  engine.count('state_errors');
  engine.report({ messageId, attempt: 0, error, reason, willRetry: false });
  return retry(reason);
}

type AttemptResult = { response: UpstreamResponse; error?: undefined; reason?: undefined } | { response?: undefined; error: unknown; reason: string };

/**
 * One request, aborted after `upstreamTimeoutMs`.
 *
 * Not at the batch deadline: the batch is answered then (`retry` for this event), but the
 * request runs on, and a resend of the event joins it (see forward-once) instead of sending
 * a second copy. Aborting it instead could leave an event that Regal recorded but whose 200
 * the relay never saw, and the resend would record it twice (seen in the fault-injection
 * integration test on a loaded machine).
 */
async function attemptOnce(engine: Engine, body: string): Promise<AttemptResult> {
  const timeoutMs = engine.upstreamTimeoutMs;
  const started = engine.now();
  const request = engine.transport(body);
  let timedOut = false;
  const timeout = engine.timeouts.watch(started + timeoutMs, () => {
    timedOut = true;
    request.abort();
  });
  try {
    return { response: await request.response };
  } catch (error) {
    return { error, reason: timedOut ? `upstream timed out after ${Math.round(timeoutMs)} ms` : `upstream unreachable: ${describe(error)}` };
  } finally {
    engine.timeouts.unwatch(timeout);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

