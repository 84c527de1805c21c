// A phone number split over two fields (a country code or country beside the national
// number) is read as one international number.
import { describe, expect, it } from 'vitest';
import { restoreAfterEach, submitForm } from '../helpers';

restoreAfterEach();

describe('split phone fields', () => {
  const submit = submitForm;

  it('a phone split into tel-country-code and tel-national is read as one international number', () => {
    const calls = submit(`<form>
      <input autocomplete="tel-country-code" name="cc" value="+44">
      <input type="tel" autocomplete="tel-national" name="phone" value="20 7946 0958">
      <button>Send</button></form>`);
    const identify = calls.find((c) => c[0] == 'identify') as any;
    expect(identify?.[1].phones[0].phoneNumber).toBe('+442079460958');
  });

  it.each([
    ['a country select', '<select name="phone_country"><option value="GB" selected>United Kingdom</option></select>', '020 7946 0958', '+442079460958'],
    ['a labelled code', '<input name="dial_code" value="UK (+44)">', '20 7946 0958', '+442079460958'],
    ['a number given in full anyway', '<input autocomplete="tel-country-code" value="+44">', '+1 415 555 0100', '+14155550100'],
  ])('a phone with %s beside it', (_label, codeField, number, expected) => {
    const calls = submit(`<form>${codeField}<input type="tel" name="phone" value="${number}"><button>Send</button></form>`);
    const identify = calls.find((c) => c[0] == 'identify') as any;
    expect(identify?.[1].phones[0].phoneNumber).toBe(expected);
    expect(identify?.[1]).not.toHaveProperty('phoneCountry');
  });

  it('a country-code field named countrycode that is an <input type="tel"> is read as the code, not as the phone', () => {
    const calls = submit(`<form>
      <input type="tel" name="country_code" value="+44">
      <input type="tel" name="phone" value="20 7946 0958">
      <button>Send</button></form>`);
    expect(calls.filter((c) => c[0] == 'error')).toEqual([]);
    const identify = calls.find((c) => c[0] == 'identify') as any;
    expect(identify?.[1].phones[0].phoneNumber).toBe('+442079460958');
  });
});
