import { describe, expect, it } from 'vitest';
import { isRegalError, regalError } from '../../src/browser/errors';

describe('RegalError', () => {
  it('carries a code, the offending value and the status, with a message a person can act on', () => {
    const e = regalError('invalid_phone', 'Invalid phone: "12"', '12');
    expect(e).toMatchObject({ name: 'RegalError', code: 'invalid_phone', value: '12', message: 'Invalid phone: "12"' });
    expect(regalError('delivery_failed', 'x', undefined, 503).status).toBe(503);
    expect('value' in regalError('internal', 'x')).toBe(false);
  });

  it('is recognised across realms by shape, not by instanceof', () => {
    expect(isRegalError(regalError('internal', 'x'))).toBe(true);
    expect(isRegalError({ name: 'RegalError', code: 'invalid_email', message: 'from an iframe' })).toBe(true);
    expect(isRegalError(new Error('plain'))).toBe(false);
    expect(isRegalError(null)).toBe(false);
    expect(isRegalError({ name: 'RegalError' })).toBe(false);
  });
});
