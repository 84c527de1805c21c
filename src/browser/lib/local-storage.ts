/** `localStorage`, or undefined where even reading it throws (sandboxed iframes, storage
 * blocked by the user). */
export function localStore(): Storage | undefined {
  try {
    return localStorage;
  } catch {}
}
