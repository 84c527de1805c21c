/** The words a page shows for a control: its label, and the wording next to a consent box. */
import { attr, type Field } from './dom';

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The text of `node` as written, without the controls inside it (a wrapping label's
 * select would otherwise add every option) and without scripts or styles. */
export const textOf = (node: Node): string =>
  node.nodeType === 3
    ? node.nodeValue || ''
    : /^(INPUT|SELECT|TEXTAREA|BUTTON|SCRIPT|STYLE|TEMPLATE)$/.test(node.nodeName)
      ? ''
      : [...node.childNodes].map(textOf).join('');

/** What labels `el` itself, as a screen reader would find it: `<label for>` and a wrapping
 * label, `aria-labelledby`, `aria-label`; whitespace collapsed. */
export function ownLabel(el: Field): string {
  // A wrapping label that also names the box with `for` is listed twice by some engines.
  const parts = [...new Set(el.labels || [])].map(textOf);
  for (const id of attr(el, 'aria-labelledby').split(/\s+/)) {
    const by = id && el.ownerDocument.getElementById(id);
    if (by) parts.push(textOf(by));
  }
  parts.push(attr(el, 'aria-label'));
  return collapse(parts.join(' '));
}

/**
 * Everything that names a field: its own label, plus the legend of its fieldset (a
 * builder's group label, "Name" over "First" and "Last"); else, when its container holds
 * no other control, that container's text (builders that put the label in a `<div>` or
 * `<span>` beside the input).
 */
export function labelOf(el: Field): string {
  const legend = el.closest('fieldset')?.querySelector('legend');
  return collapse(ownLabel(el) + ' ' + (legend ? textOf(legend) : '')) || nearbyText(el);
}

/** The text of the nearest container (up to three levels up, within the form) that has
 * text and no other visible control: the wording placed beside a control without a label. */
export function nearbyText(el: Field): string {
  let node: Element | null = el;
  for (let level = 0; level < 3 && (node = node.parentElement) && node !== el.form; level++) {
    if (node.querySelectorAll('input:not([type=hidden]),select,textarea').length > 1) return '';
    const text = collapse(textOf(node));
    if (text) return text;
  }
  return '';
}
