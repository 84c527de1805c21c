// @vitest-environment node
/**
 * The relay forwards events as before and adds `warnings` to its answer for the phones
 * Regal cannot use, counting them (`phone_warnings`) and telling `onPhoneWarning`.
 */
import { describe, expect, it } from 'vitest';
import { RelayResultSchema } from '../../../src/wire/schema';
import type { PhoneWarning } from '../../../src/relay';
import { event, setup, status } from './helpers';

// An identify (no name) giving a phone.
const withPhone = (messageId: string, phoneNumber: string, smsOptIn?: boolean) =>
  event(messageId, { userId: messageId, name: undefined, traits: { phones: [{ phoneNumber, ...(smsOptIn ? { smsOptIn: { subscribed: true } } : {}) }] } });

describe('phone warnings in the relay answer', () => {
  it('an undialable number and an SMS opt-in on a landline are forwarded, warned about per messageId, counted and told', async () => {
    const seen: PhoneWarning[] = [];
    const counted: Array<[string, number | undefined, Record<string, string> | undefined]> = [];
    const { post, upstream } = setup({ onPhoneWarning: (w) => seen.push(w), metrics: { inc: (name, by, labels) => counted.push([name, by, labels]) } });
    const response = await post({ batch: [withPhone('bad', '+15551234567'), withPhone('land', '+442079460958', true), withPhone('fine', '+14155550134', true)] });
    const result = RelayResultSchema.parse(await response.json());
    expect(result.accepted.sort()).toEqual(['bad', 'fine', 'land']);
    // Forwarded as they were: the number Regal cannot dial too.
    expect(upstream.calls.map((call) => call.body.traits.phones[0].phoneNumber).sort()).toEqual(['+14155550134', '+15551234567', '+442079460958']);
    expect(result.warnings).toEqual([
      { messageId: 'bad', code: 'undialable_phone', phoneNumber: '+15551234567', message: expect.stringContaining('not assigned') },
      { messageId: 'land', code: 'sms_opt_in_not_mobile', phoneNumber: '+442079460958', message: expect.stringContaining('fixed line') },
    ]);
    expect(seen).toEqual(result.warnings);
    expect(counted.filter(([name]) => name === 'phone_warnings')).toEqual([
      ['phone_warnings', 1, { code: 'undialable_phone' }],
      ['phone_warnings', 1, { code: 'sms_opt_in_not_mobile' }],
    ]);
  });

  it('no warnings key when every phone is fine', async () => {
    const { post } = setup();
    expect(await (await post({ batch: [withPhone('a', '+14155550134', true)] })).json()).toEqual({ accepted: ['a'], rejected: [], retry: [] });
  });

  it('a rejected event is not warned about (its rejection says why), nor one left to retry', async () => {
    const rejected = await (await setup({ respond: () => status(400) }).post({ batch: [withPhone('r', '+15551234567')] })).json();
    expect(rejected).toMatchObject({ rejected: [{ messageId: 'r' }] });
    expect(rejected).not.toHaveProperty('warnings');
    const retry = await (await setup({ respond: () => status(503), forwardTimeoutMs: 1 }).post({ batch: [withPhone('t', '+15551234567')] })).json();
    expect(retry).toMatchObject({ retry: ['t'] });
    expect(retry).not.toHaveProperty('warnings');
  });

  it('a repeat of a messageId in one batch is warned about once', async () => {
    const { post } = setup();
    const result = await (await post({ batch: [withPhone('twice', '+15551234567'), withPhone('twice', '+15551234567')] })).json();
    expect(result.warnings.map((w: PhoneWarning) => w.messageId)).toEqual(['twice']);
  });

  it('a hook that throws costs nothing', async () => {
    const { post } = setup({
      onPhoneWarning: () => {
        throw new Error('logger down');
      },
    });
    const result = await (await post({ batch: [withPhone('bad', '+15551234567')] })).json();
    expect(result).toMatchObject({ accepted: ['bad'], warnings: [{ messageId: 'bad', code: 'undialable_phone' }] });
  });
});
