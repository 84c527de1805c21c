// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { ForwardErrorInfo } from '../../../src/relay';
import type { BotVerificationConfig } from '../../../src/relay/bot-verification/bot-verification-options';
import { carriesConsent, consentSubject } from '../../../src/relay/bot-verification/consent-subject';
import { createMemoryTokenLedger } from '../../../src/relay/bot-verification/memory-token-ledger';
import type { BotVerdict } from '../../../src/relay/bot-verification/verdict';
import { verifyConsent, type ConsentEvent, type TokenLedger } from '../../../src/relay/bot-verification/verify-consent';
import type { RelayEvent } from '../../../src/wire/schema';
import { deferred } from './helpers';

describe('consent subject', () => {
  it('names the phones with a voice or SMS opt-in and the emails with an email opt-in, whatever they say', () => {
    const event = {
      traits: {
        phones: [{ phoneNumber: '+15550000001', smsOptIn: { subscribed: true } }, { phoneNumber: '+15550000002' }, { phoneNumber: '+15550000003', voiceOptIn: { subscribed: false } }],
        emails: [{ emailAddress: 'Jane@X.example', emailOptIn: { subscribed: true } }, { emailAddress: 'other@x.example' }],
      },
    };
    expect(consentSubject(event)).toEqual({ phones: ['+15550000001', '+15550000003'], emails: ['jane@x.example'] });
    expect(carriesConsent(event)).toBe(true);
    expect(carriesConsent({ traits: { phones: [{ phoneNumber: '+15550000002' }] } })).toBe(false);
    expect(carriesConsent({ traits: {} })).toBe(false);
  });
});

function optInEvent(index: number, phone: string, botToken?: string, email?: string): ConsentEvent {
  const event: RelayEvent = {
    messageId: `m${index}`,
    traits: {
      phones: [{ phoneNumber: phone, smsOptIn: { subscribed: true, timestamp: '2026-05-24T15:00:00.000Z' } }],
      ...(email ? { emails: [{ emailAddress: email, emailOptIn: { subscribed: true } }] } : {}),
    },
    ...(botToken === undefined ? {} : { botToken }),
  };
  return { index, messageId: `m${index}`, event };
}

function harness(options: { required?: boolean; check?: (token: string, ip: string | undefined) => Promise<BotVerdict>; ledger?: TokenLedger } = {}) {
  let now = 1_750_000_000_000;
  const checked: string[] = [];
  const reports: ForwardErrorInfo[] = [];
  const counted: string[] = [];
  const config: BotVerificationConfig = {
    required: options.required ?? true,
    name: 'turnstile',
    check: async (token, ip) => {
      checked.push(token);
      return options.check ? options.check(token, ip) : token.startsWith('good') ? { status: 'passed' } : { status: 'failed', reason: 'turnstile: invalid-input-response (the token is invalid: forged, or issued for another site key)' };
    },
  };
  const deps = {
    config,
    ledger: options.ledger ?? createMemoryTokenLedger(() => now),
    report: (info: ForwardErrorInfo) => reports.push(info),
    count: (outcome: string) => counted.push(outcome),
    running: new Map(),
  };
  return { deps, checked, reports, counted, advance: (ms: number) => (now += ms), verify: (events: ConsentEvent[], ip = '203.0.113.7') => verifyConsent(deps, events, ip) };
}

describe('bot verification of events that carry consent', () => {
  it('lets an opt-in with a token that passes go on, and leaves events without consent alone', async () => {
    const { verify, checked, counted } = harness();
    const plain: ConsentEvent = { index: 1, messageId: 'm1', event: { messageId: 'm1', traits: { phones: [{ phoneNumber: '+15550000001' }] } } };
    expect((await verify([optInEvent(0, '+15550000001', 'good-1'), plain])).size).toBe(0);
    expect(checked).toEqual(['good-1']);
    expect(counted).toEqual(['passed']);
  });

  it('rejects an opt-in without a token, saying where the widget must go', async () => {
    const { verify, reports, counted } = harness();
    const outcomes = await verify([optInEvent(0, '+15550000001'), optInEvent(1, '+15550000002', '  ')]);
    expect(outcomes.get(0)).toEqual({ status: 'rejected', reason: expect.stringMatching(/^bot verification: this event carries an opt-in but no turnstile token\. Put the widget inside the form that collects consent/) });
    expect(outcomes.get(1)?.status).toBe('rejected');
    expect(reports.map((r) => r.messageId)).toEqual(['m0', 'm1']);
    expect(counted).toEqual(['missing', 'missing']);
  });

  it('rejects an opt-in whose token fails, with the provider\'s reason', async () => {
    const { verify, counted } = harness();
    const outcomes = await verify([optInEvent(0, '+15550000001', 'forged')]);
    expect(outcomes.get(0)).toEqual({ status: 'rejected', reason: 'bot verification failed: turnstile: invalid-input-response (the token is invalid: forged, or issued for another site key)' });
    expect(counted).toEqual(['failed']);
  });

  it('answers a resend of a verified lead from the ledger: the single-use token is asked about once', async () => {
    const { verify, checked, advance } = harness();
    expect((await verify([optInEvent(0, '+15550000001', 'good-beacon', 'jane@x.example')])).size).toBe(0);
    advance(60_000);
    // The retry of the beacon: the same events, the same token.
    expect((await verify([optInEvent(0, '+15550000001', 'good-beacon', 'jane@x.example')], '198.51.100.9')).size).toBe(0);
    // Hours later (the relay answered retry while Regal was down), still within the dedupe window.
    advance(6 * 3_600_000);
    expect((await verify([optInEvent(0, '+15550000001', 'good-beacon', 'Jane@X.example')])).size).toBe(0);
    expect(checked).toEqual(['good-beacon']);
  });

  it('remembers a failed token too: its resend is rejected with the same reason, not re-asked', async () => {
    const { verify, checked } = harness();
    await verify([optInEvent(0, '+15550000001', 'forged')]);
    const again = await verify([optInEvent(0, '+15550000001', 'forged')]);
    expect(again.get(0)).toEqual({ status: 'rejected', reason: expect.stringContaining('invalid-input-response') });
    expect(checked).toEqual(['forged']);
  });

  it('lets one token vouch for one visitor: a solved challenge replayed for another phone is rejected', async () => {
    const { verify, counted } = harness();
    expect((await verify([optInEvent(0, '+15550000001', 'good-once')])).size).toBe(0);
    const replay = await verify([optInEvent(5, '+15559999999', 'good-once')]);
    expect(replay.get(5)).toEqual({ status: 'rejected', reason: 'bot verification: this turnstile token already vouched for another visitor\'s consent; tokens are single-use' });
    expect(counted).toEqual(['passed', 'reused']);
  });

  it('rejects a batch that uses one token for many phones, without asking the provider', async () => {
    const { verify, checked } = harness();
    const events = Array.from({ length: 50 }, (_, i) => optInEvent(i, `+1555000${String(i).padStart(4, '0')}`, 'good-shared'));
    const outcomes = await verify(events);
    expect(outcomes.size).toBe(50);
    expect(outcomes.get(0)).toEqual({ status: 'rejected', reason: 'bot verification: one token vouches for one visitor\'s consent, and this batch uses one for 50 phone numbers and 0 email addresses' });
    expect(checked).toEqual([]);
  });

  it('lets the events of one submit share a token (an identify and a later step with the same phone)', async () => {
    const { verify, checked } = harness();
    expect((await verify([optInEvent(0, '+15550000001', 'good-form', 'jane@x.example'), optInEvent(1, '+15550000001', 'good-form')])).size).toBe(0);
    expect((await verify([optInEvent(2, '+15550000001', 'good-form')])).size).toBe(0);
    expect(checked).toEqual(['good-form']);
  });

  it('verifies a beacon and its retry racing in one process once, and both pass', async () => {
    const answer = deferred<BotVerdict>();
    const { verify, checked } = harness({ check: () => answer.promise });
    const beacon = verify([optInEvent(0, '+15550000001', 'good-race')]);
    const retry = verify([optInEvent(0, '+15550000001', 'good-race')]);
    answer.resolve({ status: 'passed' });
    expect((await beacon).size).toBe(0);
    expect((await retry).size).toBe(0);
    expect(checked).toEqual(['good-race']);
  });

  it('answers retry while another instance holds the token\'s claim, and passes once it has verified', async () => {
    const ledger = createMemoryTokenLedger(() => 0);
    const other = harness({ ledger });
    const answer = deferred<BotVerdict>();
    const slow = harness({ ledger, check: () => answer.promise });
    const first = slow.verify([optInEvent(0, '+15550000001', 'good-2')]);
    await new Promise((resolve) => setImmediate(resolve));
    const meanwhile = await other.verify([optInEvent(0, '+15550000001', 'good-2')]);
    expect(meanwhile.get(0)).toEqual({ status: 'retry', reason: 'bot verification of this token is under way in another request' });
    answer.resolve({ status: 'passed' });
    expect((await first).size).toBe(0);
    expect((await other.verify([optInEvent(0, '+15550000001', 'good-2')])).size).toBe(0);
    expect(other.checked).toEqual([]);
  });

  it('answers retry when the provider gives no answer, reports it, and asks again on the resend', async () => {
    let down = true;
    const { verify, reports, checked, counted } = harness({ check: async () => (down ? { status: 'unavailable', reason: 'turnstile siteverify did not answer within 5000 ms' } : { status: 'passed' }) });
    const outcomes = await verify([optInEvent(0, '+15550000001', 'good-3')]);
    expect(outcomes.get(0)).toEqual({ status: 'retry', reason: 'bot verification unavailable: turnstile siteverify did not answer within 5000 ms' });
    expect(reports).toEqual([{ messageId: 'm0', attempt: 0, error: undefined, reason: 'bot verification unavailable: turnstile siteverify did not answer within 5000 ms', willRetry: false }]);
    down = false;
    expect((await verify([optInEvent(0, '+15550000001', 'good-3')])).size).toBe(0);
    expect(checked).toEqual(['good-3', 'good-3']);
    expect(counted).toEqual(['unavailable', 'passed']);
  });

  it('answers retry, never forwards unverified, when the shared state fails', async () => {
    const broken: TokenLedger = {
      claim: async () => {
        throw new Error('connection refused');
      },
      put: async () => {},
      drop: async () => {},
    };
    const { verify, reports } = harness({ ledger: broken });
    const outcomes = await verify([optInEvent(0, '+15550000001', 'good-4')]);
    expect(outcomes.get(0)).toEqual({ status: 'retry', reason: "bot verification: the relay's state failed: connection refused" });
    expect(reports[0].error).toBeInstanceOf(Error);
  });

  it('with required: false, only reports what it would refuse (a dry run)', async () => {
    const { verify, reports, counted } = harness({ required: false });
    const outcomes = await verify([optInEvent(0, '+15550000001'), optInEvent(1, '+15550000002', 'forged')]);
    expect(outcomes.size).toBe(0);
    expect(reports.map((r) => r.reason)).toEqual([
      expect.stringMatching(/no turnstile token.*\(not enforced: botVerification.required is false\)$/),
      expect.stringMatching(/^bot verification failed: .*\(not enforced: botVerification.required is false\)$/),
    ]);
    expect(counted).toEqual(['missing', 'failed']);
  });

  it('never keeps a token, a phone or an email in the shared state', async () => {
    const writes: string[] = [];
    const inner = createMemoryTokenLedger(() => 0);
    const ledger: TokenLedger = {
      claim: (key, value, ttl) => (writes.push(key, value), inner.claim(key, value, ttl)),
      put: (key, value, ttl) => (writes.push(key, value), inner.put(key, value, ttl)),
      drop: (key) => inner.drop(key),
    };
    const { verify } = harness({ ledger });
    await verify([optInEvent(0, '+15557654321', 'good-secret-token', 'jane@x.example')]);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.join(' ')).not.toMatch(/secret-token|7654321|jane/);
  });
});
