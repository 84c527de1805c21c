import { describe, expect, test } from 'vitest';
import { stampOptIn } from '../../../src/browser/identity/consent';

const at = { timestamp: '2026-03-04T05:06:07.000Z', source: 'https://acme.example/quote' };

describe('stampOptIn', () => {
  test('a boolean becomes a stamped {subscribed}', () => {
    expect(stampOptIn(true, at)).toEqual({ subscribed: true, ...at });
    expect(stampOptIn(false, at)).toEqual({ subscribed: false, ...at });
  });

  test('keeps the consent wording and anything else Regal reads', () => {
    expect(stampOptIn({ subscribed: true, text: 'Texts OK', ip: '203.0.113.9' }, at)).toEqual({
      subscribed: true,
      text: 'Texts OK',
      ip: '203.0.113.9',
      ...at,
    });
  });

  test('keeps a timestamp and source the caller gave (consent given earlier, elsewhere)', () => {
    const given = { subscribed: true, timestamp: '2025-12-31T23:59:59.000Z', source: 'https://acme.example/call' };
    expect(stampOptIn(given, at)).toEqual(given);
    expect(stampOptIn({ subscribed: true, source: 'phone call' }, at)).toEqual({ subscribed: true, timestamp: at.timestamp, source: 'phone call' });
  });

  test('stamps over an explicit undefined or empty timestamp', () => {
    expect(stampOptIn({ subscribed: true, timestamp: undefined, source: '' }, at)).toEqual({ subscribed: true, ...at });
  });

  test('does not modify the object passed in', () => {
    const input = { subscribed: true };
    stampOptIn(input, at);
    expect(input).toEqual({ subscribed: true });
  });

  test('no opt-in given means no opt-in state', () => {
    expect(stampOptIn(undefined, at)).toBeUndefined();
    for (const junk of [null, 'yes', 1]) expect(stampOptIn(junk as unknown as boolean, at)).toBeUndefined();
  });
});
