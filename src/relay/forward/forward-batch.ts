import type { Engine } from '../engine';
import { forwardOnce } from './forward-once';
import { retry, type Outcome } from './outcome';
import { visitorChains } from './visitor-groups';

/** One valid event of a batch, ready to go: serialized once, reused by every retry. */
export interface ForwardJob {
  /** Position in the batch (where its outcome is written). */
  index: number;
  messageId: string;
  /** The upstream JSON body. */
  body: string;
  /** Identity keys (see `identityKeys`): events sharing one keep their order. */
  keys: string[];
}

const AFTER_EARLIER_RETRY = retry('an earlier event of the same visitor must be sent first');

/**
 * Forwards the events of one batch and writes each outcome at its batch position, until
 * `deadline`; positions still empty then are the caller's to answer as `retry`.
 *
 * Events of one visitor go one after another in batch order (Regal applies them in
 * arrival order, and the SDK relies on it: an `identify` before the `track` that needs
 * the phone); different visitors go in parallel. When an event of a visitor ends in
 * `retry`, that visitor's later events are not sent either but answered `retry`, so that
 * the browser's resend keeps them in order.
 */
export async function forwardBatch(engine: Engine, jobs: readonly ForwardJob[], outcomes: Array<Outcome | undefined>, deadline: number): Promise<void> {
  if (jobs.length === 0) return;
  const all = Promise.all(visitorChains(jobs).map((chain) => forwardChain(engine, chain, outcomes, deadline)));
  all.catch(ignore); // it may reject after the deadline won the race
  const timer = new AbortController();
  try {
    await Promise.race([all, engine.sleep(Math.max(0, deadline - engine.now()), timer.signal)]);
  } finally {
    timer.abort('answered'); // a string reason: abort() alone builds a DOMException
  }
}

async function forwardChain(engine: Engine, chain: readonly ForwardJob[], outcomes: Array<Outcome | undefined>, deadline: number): Promise<void> {
  for (let i = 0; i < chain.length; i++) {
    const job = chain[i];
    const outcome = await forwardOnce(engine, job.messageId, job.body, deadline);
    outcomes[job.index] = outcome;
    if (outcome.status === 'retry') {
      for (let j = i + 1; j < chain.length; j++) outcomes[chain[j].index] = AFTER_EARLIER_RETRY;
      return;
    }
  }
}

function ignore(): void {}
