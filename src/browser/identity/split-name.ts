/**
 * One "full name" field as first and last name: the first word, then the rest ("Jane Q.
 * Doe" → Jane, "Q. Doe"). A single word is a first name only.
 *
 * @example
 * splitName('Jane Q. Doe') // { firstName: 'Jane', lastName: 'Q. Doe' }
 * splitName('Cher')        // { firstName: 'Cher' }
 */
export function splitName(full: string): { firstName: string; lastName?: string } {
  const [firstName, ...rest] = full.trim().split(/\s+/);
  return rest.length ? { firstName, lastName: rest.join(' ') } : { firstName };
}
