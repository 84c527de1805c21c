/**
 * Waits `ms`. Aborting `signal` clears the timer and leaves the promise pending forever:
 * the relay only cancels timers whose outcome it no longer awaits (a deadline that was not
 * reached, a timeout of a request that finished), so this frees the timer without a branch.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return;
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}
