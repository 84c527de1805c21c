/**
 * Binding lead forms to a `FormClient`: one form (`trackForm`) or every marked form under a
 * root (`watchDeclarativeForms`). What a submit does is in handle-submit.ts; the public,
 * client-bound entry points and their documentation are in track-form.ts.
 */
import { attr, noop, onSubmit, safe } from './dom';
import { handleSubmit } from './handle-submit';
import type { FormClient, FormEnv, TrackFormOptions } from './types';

export type { FormClient, FormEnv, TrackFormOptions };
export { noop, safe };

// Each form's trackForm binding, so that a form is captured once: binding it again
// replaces the binding, and watchers leave bound forms alone.
const bound = new WeakMap<HTMLFormElement, () => void>();
// Submits a watcher has handled, so that two watchers do not send one submit twice.
const handled = new WeakSet<Event>();

/** Captures each submit of `target` (a form, or a selector of one) for `client`; returns
 * the function that stops. Documented on the public `trackForm` (track-form.ts). */
export const trackForm = safe(
  (target: HTMLFormElement | string, options: TrackFormOptions, client: FormClient, env: FormEnv = {}): (() => void) => {
    const form = typeof target === 'string' ? (env.document || document).querySelector<HTMLFormElement>(target) : target;
    if (!form) return noop;
    const off = onSubmit(form, safe((e) => handleSubmit(form, e, options || {}, client, env)));
    const stop = () => {
      if (bound.get(form) === stop) bound.delete(form);
      off();
    };
    bound.get(form)?.();
    bound.set(form, stop);
    return stop;
  },
  noop,
);

/**
 * Capture every `form[data-regal-form]` under `root`, including forms added later. The
 * attribute's value is the event name (empty: the default). Returns a function that stops.
 *
 * One capture-phase `submit` listener on `root` (event delegation) rather than binding each
 * form and a MutationObserver for new ones: forms rendered later by a framework are covered
 * without watching the DOM, and nothing is bound per form. Each submit is handled once,
 * however many watchers run; a form bound with `trackForm` is left to that binding.
 *
 * @example
 * <form data-regal-form="Demo Requested">...</form>
 * watchDeclarativeForms(regal)
 */
export const watchDeclarativeForms = safe(
  (client: FormClient, root: Document | Element = document, options: TrackFormOptions = {}, env: FormEnv = {}): (() => void) =>
    onSubmit(
      root,
      safe((e) => {
        const form = e.target as HTMLFormElement;
        if (handled.has(e) || bound.has(form) || !form.matches('form[data-regal-form]')) return;
        handled.add(e);
        handleSubmit(form, e, { ...options, event: attr(form, 'data-regal-form') || options.event }, client, env);
      }),
    ),
  noop,
);
