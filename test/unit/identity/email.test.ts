import { describe, expect, test } from 'vitest';
import { normalizeEmail } from '../../../src/browser/identity/email';

const cases: Array<[string, string | null]> = [
  ['jane@example.com', 'jane@example.com'],
  ['  Jane.Doe@Example.COM \n', 'Jane.Doe@example.com'], // domain lower-cased, local part kept
  ['JANE+quotes@Mail.Example.co.uk', 'JANE+quotes@mail.example.co.uk'],
  ["o'brien@example.ie", "o'brien@example.ie"],
  ['a@b.co', 'a@b.co'],
  ['', null],
  ['jane', null],
  ['jane@', null],
  ['@example.com', null],
  ['jane@localhost', null], // no dot in the domain
  ['jane@@example.com', null],
  ['jane@doe@example.com', null],
  ['jane doe@example.com', null],
  ['jane@exam ple.com', null],
  ['jane@example.', null],
  ['jane@.example.com', null],
  ['jane@example..com', null],
];

describe('normalizeEmail', () => {
  test.each(cases)('%j → %s', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });

  test('refuses addresses longer than 254 characters', () => {
    const domain = '@example.com';
    expect(normalizeEmail('a'.repeat(254 - domain.length) + domain)).toHaveLength(254);
    expect(normalizeEmail('a'.repeat(255 - domain.length) + domain)).toBeNull();
  });

  test('never throws on what JavaScript callers pass', () => {
    for (const junk of [null, undefined, 42, {}, Symbol('x')]) expect(normalizeEmail(junk as unknown as string)).toBeNull();
  });
});
