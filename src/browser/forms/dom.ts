/** Small DOM helpers shared by the form modules. */

/** A control whose value a form submits. */
export type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** An attribute's value, or '' when it is missing. */
export const attr = (el: Element, name: string): string => el.getAttribute(name) || '';

/** A control's value, trimmed. */
export const valueOf = (el: Field): string => (el.value || '').trim();

/** Does nothing: the stop function of what never started. */
export const noop = (): void => {};

/** `fn`, made unable to throw: what it throws gives `fallback`. Nothing in forms throws into
 * the page: a bug or a hostile page costs the event, never the visitor's submit. */
export const safe =
  <A extends unknown[], R>(fn: (...args: A) => R, fallback?: R) =>
  (...args: A): R => {
    try {
      return fn(...args);
    } catch {
      return fallback!;
    }
  };

/** Hears `target`'s submits in the capture phase (before the page's own handlers, which may
 * stop propagation); returns the function that stops. */
export const onSubmit = (target: EventTarget, handler: (e: Event) => void): (() => void) => {
  target.addEventListener('submit', handler, true);
  return () => target.removeEventListener('submit', handler, true);
};
