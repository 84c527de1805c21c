import { describe, expect, it } from 'vitest';
import { redact, redactId } from '../../../src/relay-service/redact';

describe('redact', () => {
  it.each([
    ['+14155550100', '[redacted]'],
    ['call +1 (415) 555-0100 now', 'call [redacted] now'],
    ['415.555.0100', '[redacted]'],
    ['+44 20 7946 0958', '[redacted]'],
    ['jane.doe+lead@example.co.uk', '[redacted]'],
    ['"Jane" <jane@example.com>', '"Jane" <[redacted]>'],
  ])('takes the contact detail out of %s', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('keeps statuses, counts, durations and ports readable', () => {
    const text = 'upstream 503: Service Unavailable after 5000 ms on port 8788 (attempt 3 of 12)';
    expect(redact(text)).toBe(text);
  });

  it("keeps the SDK's UUID messageIds whole, and redacts an id that is not one", () => {
    expect(redactId('550e8400-e29b-41d4-a716-446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(redactId('+14155550100')).toBe('[redacted]');
    expect(redactId('lead-jane@example.com')).toBe('[redacted]');
  });
});
