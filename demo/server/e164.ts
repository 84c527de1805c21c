/**
 * Regal takes phones in E.164 only and drops any other number silently, after answering
 * 200. The reference server mimics that, so a demo shows what Regal would keep.
 */
const E164 = /^\+[1-9]\d{7,14}$/;

/** @example isE164('+15551234567') // true; isE164('555-123-4567') // false */
export function isE164(phoneNumber: string): boolean {
  return E164.test(phoneNumber);
}
