/**
 * Which control of a form holds which contact trait, read from the markup as builders
 * render it: each control is scored for every trait on all the evidence it carries (its
 * label, name, id, placeholder, autocomplete token, type), and each trait takes its
 * strongest control. The rules are listed on `trackForm` (track-form.ts).
 */
import { attr, safe, valueOf, type Field } from './dom';
import { labelOf } from './field-text';

// Words → trait, tried in order on the words of one piece of evidence, first match wins:
// the specific before the general (a country-code or area-code box before the phone,
// first and last name before name, the email before the street address). The same table
// reads autocomplete tokens ("tel-area-code", "given-name", "address-level2"). A table rather
// than code per builder: Gravity Forms' "First", WPForms' "wpforms[fields][1][first]",
// Mailchimp's "SMSPHONE" and HubSpot's "mobilephone" all fall out of it.
const WORDS: ReadonlyArray<readonly [string, RegExp]> = [
  ['email', /e ?mail/],
  ['phoneCountry', /country ?code|dial|calling|phone ?country/],
  ['phoneArea', /area ?code|\barea\b/],
  ['phone', /phone|\b(tel|mobile|cell|sms|whatsapp)\b/],
  ['firstName', /\b(first|given|fore|f) ?name|\bfirst\b/],
  ['lastName', /\b(last|sur|family|l) ?name|\blast\b/],
  ['name', /\bname\b/],
  ['address.zipcode', /\bzip|postal|post ?code/],
  ['address.city', /\b(city|town|level2)\b/],
  ['address.state', /\b(state|province|region|level1)\b/],
  ['address.country', /\bcountry\b/],
  ['address.street', /street|address|\baddr/],
];

// Evidence that the control is part of a date or a time (Jotform renders the day, month and
// year as type=tel boxes): such a control holds no trait at all, whatever its type.
const DATE = /\bdate|birth|\b(day|month|year|dob|mm|dd|yy|yyyy|hour|minute|time)\b/;
const PHONE = /phone|\b(tel|mobile|cell)\b/; // "Day phone" is a phone, not a day
// A name that is not the person's: "Company name", "Username", "Middle name".
const NOT_A_PERSON = /compan|business|organi|user|nick|middle|maiden|addition|country|file|domain|product|brand|site/;
// A second copy of a field ("Confirm email") counts half: the first copy is read.
const COPY = /confirm|verif|repeat|retype/;

/** The words of a name, id or label: lower case, camelCase split, anything else a space. */
const words = (s: string) => ' ' + s.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().replace(/[^a-z0-9]+/g, ' ') + ' ';

/**
 * Never read, whatever the markup says: passwords, payment cards, one-time codes, identity
 * and bank numbers. ssn and pin must be whole words ("businessName", "shipping" are fine),
 * so camelCase is split first ("userPin" is "user pin").
 */
export const isSecret = (el: Field): boolean =>
  el.type === 'password' ||
  /(^|\s)cc-|password|one-time-code/.test(attr(el, 'autocomplete')) ||
  /card|cvv|cvc|passw|iban|account|(^|[^a-z])(ssn|pin)([^a-z]|$)/.test(
    (el.name + ' ' + el.id).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase(),
  );

/** Controls that hold no text a trait could take. */
export const isButtonOrBox = (el: Field): boolean => /^(checkbox|radio|submit|button|reset|file|image)$/.test(el.type);

// How much each piece of evidence weighs. Explicit markup beats everything; a label (what
// the visitor reads) beats a name (what a developer or a builder typed).
const OPTION = 1000;
const MARKED = 500;
const AUTOCOMPLETE = 60;
const LABEL = 40;
const NAME = 30;
const TYPE = 25;
const ID = 20;
const PLACEHOLDER = 15;

/** Each trait's score for `el`. */
function score(el: Field, override: string | undefined): Map<string, number> {
  const scores = new Map<string, number>();
  const add = (trait: string | undefined, weight: number) => trait && scores.set(trait, (scores.get(trait) || 0) + weight);
  add(override, OPTION);
  add(attr(el, 'data-regal-trait'), MARKED);
  if (el.type === 'hidden') return scores; // read only when marked
  const evidence: Array<[string, number]> = [
    [el.name, NAME],
    [el.id, ID],
    [labelOf(el), LABEL],
    [attr(el, 'placeholder'), PLACEHOLDER],
  ];
  if (evidence.some(([text]) => DATE.test(words(text)) && !PHONE.test(words(text)))) return scores;
  add(el.type === 'tel' ? 'phone' : el.type === 'email' ? 'email' : '', TYPE);
  // The autocomplete attribute's last token ("shipping postal-code") is evidence too.
  evidence.push([attr(el, 'autocomplete').trim().split(/\s+/).pop()!, AUTOCOMPLETE]);
  for (const [text, weight] of evidence) {
    const w = words(text);
    const match = WORDS.find(([trait, re]) => re.test(w) && !(/name/i.test(trait) && NOT_A_PERSON.test(w)));
    if (match) add(match[0], COPY.test(w) ? weight / 2 : weight);
  }
  return scores;
}

/**
 * The controls of `els` that hold each trait, strongest first (among equals, the first in
 * the form: a "confirm email" field after the email field is never the one read). Only
 * controls with a value count, and each control counts for its strongest trait only.
 * `fields` (trait → name or selector) overrides the markup.
 */
export function discoverFields(form: HTMLFormElement, els: Field[], fields: Record<string, string> = {}): Map<string, Field[]> {
  const overrides = new Map<Element | null, string>();
  for (const trait in fields) {
    const ref = fields[trait];
    // By name, else by selector (one that is not valid finds nothing).
    overrides.set(els.find((c) => c.name === ref) || safe(() => form.querySelector(ref))(), trait);
  }
  const ranked = new Map<string, Array<[number, Field]>>();
  for (const el of els) {
    if (isSecret(el) || isButtonOrBox(el) || !valueOf(el)) continue;
    let best: [string, number] | undefined;
    for (const [trait, points] of score(el, overrides.get(el))) if (!best || points > best[1]) best = [trait, points];
    if (best) {
      const list = ranked.get(best[0]) || [];
      list.push([best[1], el]);
      ranked.set(best[0], list);
    }
  }
  // Array.prototype.sort is stable: equals keep the form's order.
  return new Map([...ranked].map(([trait, list]) => [trait, list.sort((a, b) => b[0] - a[0]).map(([, el]) => el)]));
}
