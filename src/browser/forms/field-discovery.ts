/**
 * Which control of a form holds which contact trait. The rules are listed on `trackForm`
 * (track-form.ts); this module is the table and the ranking.
 */
import { attr, safe, valueOf, type Field } from './dom';

// Input names/ids (lower-cased, letters only, a leading "your" dropped) and autocomplete
// tokens, by the trait they fill. One table serves both: autocomplete tokens have dashes,
// normalised names never do. A string, not an object literal: smaller once minified.
const TRAITS =
  'phone:phone phonenumber mobile mobilephone mobilenumber cell cellphone tel telephone tel-national|' +
  'phoneCountry:countrycode phonecountry phonecountrycode dialcode callingcode tel-country-code|' +
  'email:email emailaddress|' +
  'firstName:firstname fname first givenname given-name|' +
  'lastName:lastname lname last surname familyname family-name|' +
  'name:name fullname|' +
  'address.street:street streetaddress address addressline street-address address-line1|' +
  'address.city:city town address-level2|' +
  'address.state:state province region address-level1|' +
  'address.zipcode:zip zipcode postalcode postcode postal-code|' +
  'address.country:country country-name';

// Built on first use, once for the page (not per submit, and not at import: importing the
// library must not run code for a feature the page may never use).
let table: Map<string, string> | undefined;
const traitOf = (token: string): string | undefined => {
  if (!table) {
    table = new Map();
    for (const group of TRAITS.split('|')) {
      const [trait, names] = group.split(':');
      for (const name of names.split(' ')) table.set(name, trait);
    }
  }
  return table.get(token);
};

/** The trait a name or id says: `your-email`, `contact[email]`, `Email-2` are all "email". */
const byName = (s: string) => traitOf(s.toLowerCase().replace(/^.*\[|[^a-z]|^your/g, ''));

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

/**
 * Each trait's control in `els`: the strongest guess with a value; among equals the first
 * (so a "confirm email" field after the email field is never the one read). The strength
 * (lower wins): 0 `fields` (trait → name or selector), 1 an explicit `data-regal-trait`,
 * 2 the autocomplete token, 3 the type (tel, email), 4 the name or id. Hidden fields count
 * only when marked.
 */
export function discoverFields(form: HTMLFormElement, els: Field[], fields: Record<string, string> = {}): Map<string, Field> {
  const overrides = new Map<Element | null, string>();
  for (const trait in fields) {
    const ref = fields[trait];
    // By name, else by selector (one that is not valid finds nothing).
    overrides.set(els.find((c) => c.name === ref) || safe(() => form.querySelector(ref))(), trait);
  }
  const found = new Map<string, [number, Field]>();
  for (const el of els) {
    const type = el.type;
    if (isSecret(el) || isButtonOrBox(el)) continue;
    const guesses = [overrides.get(el), attr(el, 'data-regal-trait')];
    const named = byName(el.name) || byName(el.id);
    if (type !== 'hidden')
      guesses.push(
        traitOf(attr(el, 'autocomplete').trim().split(/\s+/).pop()!), // "shipping postal-code"
        // A country-code box is often type=tel too: its name says what it is.
        named === 'phoneCountry' ? named : type === 'tel' ? 'phone' : type === 'email' ? 'email' : '',
        named,
      );
    const rank = guesses.findIndex(Boolean);
    const trait = guesses[rank]!;
    const prev = found.get(trait);
    if (rank >= 0 && valueOf(el) && (!prev || rank < prev[0])) found.set(trait, [rank, el]);
  }
  return new Map([...found].map(([trait, [, el]]) => [trait, el]));
}
