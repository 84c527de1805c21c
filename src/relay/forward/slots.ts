/**
 * The bound on upstream requests in flight (a FIFO semaphore). FIFO keeps the wait fair
 * across batches: an old batch is not starved by a stream of new ones.
 */
export interface Slots {
  /** `undefined` when a slot was free and is now taken; otherwise a promise of one. */
  acquire(): Promise<void> | undefined;
  release(): void;
  /** Slots taken right now (for tests and metrics). */
  readonly inUse: number;
}

/**
 * @example
 * const wait = slots.acquire(); if (wait) await wait;
 * try { await send() } finally { slots.release() }
 */
export function createSlots(limit: number): Slots {
  let inUse = 0;
  // A queue as an array plus a head index: `shift()` is O(n) on long queues.
  let waiters: Array<(() => void) | undefined> = [];
  let head = 0;

  return {
    acquire() {
      if (inUse < limit) {
        inUse++;
        return undefined;
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    release() {
      if (head < waiters.length) {
        const next = waiters[head];
        waiters[head++] = undefined;
        if (head > 1024 && head * 2 > waiters.length) {
          waiters = waiters.slice(head);
          head = 0;
        }
        next!(); // the slot passes straight to the next waiter: inUse is unchanged
        return;
      }
      inUse--;
    },
    get inUse() {
      return inUse;
    },
  };
}
