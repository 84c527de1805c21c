/**
 * Binding lead forms to a `FormClient`: one form (`trackForm`) or every marked form under a
 * root (`watchDeclarativeForms`). What a submit does is in handle-submit.ts; the public,
 * client-bound entry points and their documentation are in track-form.ts.
 */
import { attr, noop, onSubmit, safe } from './dom';
import { handleSubmit } from './handle-submit';
import { watchPhone } from './phone-check';
import type { FormClient, FormEnv, TrackFormOptions } from './types';

export type { FormClient, FormEnv, TrackFormOptions };
export { noop, safe };

// Each form's trackForm binding, so that a form is captured once: binding it again
// replaces the binding, and watchers leave bound forms alone.
const bound = new WeakMap<HTMLFormElement, () => void>();
// Selectors bound with trackForm, with their stop: binding a selector again replaces it.
const selectors = new Map<string, () => void>();
// Submits already handled, so that two listeners do not send one submit twice.
const handled = new WeakSet<Event>();

/** Handles `e` unless a listener already did, or the form is bound to an element binding. */
const claim = (e: Event, form: HTMLFormElement) => !handled.has(e) && !bound.has(form) && !!handled.add(e);

/**
 * Captures each submit of `target` for `client`; returns the function that stops.
 * Documented on the public `trackForm` (track-form.ts).
 *
 * A selector binds every form that matches it, now or later (forms a builder renders by
 * script after load, such as HubSpot's): one capture-phase listener on the document, which
 * sees every submit before the page's own handlers. Nothing is kept per form, so nothing
 * leaks when forms come and go, and no MutationObserver has to watch the page.
 */
export const trackForm = safe(
  (target: HTMLFormElement | string, options: TrackFormOptions, client: FormClient, env: FormEnv = {}): (() => void) => {
    options = options || {};
    const handle = (form: HTMLFormElement, e: Event) => handleSubmit(form, e, options, client, env);
    if (typeof target === 'string') {
      const doc = env.document || document;
      doc.querySelector(target); // an invalid selector throws here: a harmless stop
      const off = onSubmit(
        doc,
        safe((e) => {
          const form = e.target as HTMLFormElement;
          if (form.matches(target) && claim(e, form)) handle(form, e);
        }),
      );
      const unwatch = options.phoneCheck ? watchPhone(doc, (el) => el.form && el.form.matches(target) && el.form, options, client) : noop;
      const stop = () => {
        if (selectors.get(target) === stop) selectors.delete(target);
        off();
        unwatch();
      };
      selectors.get(target)?.();
      selectors.set(target, stop);
      return stop;
    }
    const form = target;
    if (!form) return noop;
    const off = onSubmit(form, safe((e) => handle(form, e)));
    const unwatch = options.phoneCheck ? watchPhone(form, (el) => el.form === form && form, options, client) : noop;
    const stop = () => {
      if (bound.get(form) === stop) bound.delete(form);
      off();
      unwatch();
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
 * however many watchers run; a form bound with `trackForm` (by element or by a selector
 * that matches it) is left to that binding.
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
        // A form bound with trackForm, by element or by selector, is that binding's.
        if (!form.matches('form[data-regal-form]') || [...selectors.keys()].some((s) => form.matches(s)) || !claim(e, form)) return;
        handleSubmit(form, e, { ...options, event: attr(form, 'data-regal-form') || options.event }, client, env);
      }),
    ),
  noop,
);
