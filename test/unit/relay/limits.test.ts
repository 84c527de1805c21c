// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_LIMITS, resolveClientLimits } from '../../../src/relay/limits/client-limit-options';
import { createClientLimits, type LimitKind, type LimitedEvent } from '../../../src/relay/limits/client-limits';
import { ipGroup } from '../../../src/relay/limits/ip-group';
import { createMemoryLimitState } from '../../../src/relay/limits/memory-limit-state';
import type { ForwardErrorInfo } from '../../../src/relay';

describe('ipGroup', () => {
  it('counts an IPv4 address as itself', () => {
    expect(ipGroup('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    expect(ipGroup('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ipGroup('2001:DB8:0001:0002:ffff::1')).toBe('2001:db8:1:2::/64');
    expect(ipGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipGroup('::1')).toBe('0:0:0:0::/64');
    expect(ipGroup('2001:db8:1::')).toBe('2001:db8:1:0::/64');
    expect(ipGroup('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('puts every address of one /64 in one group, and different /64s apart', () => {
    const a = ipGroup('2001:db8:aa:bb:1111:2222:3333:4444');
    expect(ipGroup('2001:db8:aa:bb::9')).toBe(a);
    expect(ipGroup('2001:db8:aa:bc::9')).not.toBe(a);
  });
});

describe('memory limit state', () => {
  it('forgets keys of clients that never came back', async () => {
    const state = createMemoryLimitState();
    for (let i = 0; i < 5_000; i++) await state.admit([{ key: `k${i}`, windowMs: 1_000, limit: 1 }], ['a'], 0);
    // Past the window, the sweep (every 1 000 operations) drops them: a reused key starts empty.
    for (let i = 0; i < 1_000; i++) await state.hit('other', 1_000, 1_000_000, 5_000);
    expect((await state.admit([{ key: 'k1', windowMs: 1_000, limit: 1 }], ['b'], 5_000)).allowed).toBe(true);
  });
});

describe('limits option', () => {
  it('defaults to 600 batches a minute, 20 new identities a minute and 200 an hour, 5 IPs per phone an hour, 60 phone checks a minute', () => {
    expect(resolveClientLimits(undefined)).toEqual({ batchesPerMinute: 600, newIdentitiesPerMinute: 20, newIdentitiesPerHour: 200, ipsPerPhonePerHour: 5, phoneChecksPerMinute: 60 });
  });

  it('keeps the defaults of limits not given, turns one off with Infinity, all off with false', () => {
    expect(resolveClientLimits({ batchesPerMinute: 100, ipsPerPhonePerHour: Infinity })).toEqual({ ...DEFAULT_CLIENT_LIMITS, batchesPerMinute: 100, ipsPerPhonePerHour: Infinity });
    expect(Object.values(resolveClientLimits(false))).toEqual([Infinity, Infinity, Infinity, Infinity, Infinity]);
  });

  it('refuses at startup what is not a limit', () => {
    expect(() => resolveClientLimits({ batchesPerMinute: 0 })).toThrow(/limits.batchesPerMinute must be a whole number of at least 1/);
    expect(() => resolveClientLimits({ newIdentitiesPerHour: 2.5 })).toThrow(/limits.newIdentitiesPerHour/);
    expect(() => resolveClientLimits({ batchesPerSecond: 5 } as never)).toThrow(/limits.batchesPerSecond is not a limit/);
    expect(() => resolveClientLimits('strict' as never)).toThrow(/limits must be an object/);
  });
});

function lead(index: number, phone: string, email?: string): LimitedEvent {
  return {
    index,
    messageId: `m${index}`,
    event: { messageId: `m${index}`, traits: { phones: [{ phoneNumber: phone }], ...(email ? { emails: [{ emailAddress: email }] } : {}) } },
  };
}

function limitsUnder(overrides: Partial<typeof DEFAULT_CLIENT_LIMITS> = {}) {
  let now = 1_750_000_000_000;
  const reports: ForwardErrorInfo[] = [];
  const counted: LimitKind[] = [];
  const state = createMemoryLimitState();
  const limits = createClientLimits({
    limits: { ...DEFAULT_CLIENT_LIMITS, ...overrides },
    state,
    now: () => now,
    report: (info) => reports.push(info),
    count: (kind) => counted.push(kind),
  });
  return { limits, reports, counted, state, advance: (ms: number) => (now += ms) };
}

describe('client limits', () => {
  it('answers the 601st batch of a minute from one IP with a wait, and counts and reports it', async () => {
    const { limits, reports, counted } = limitsUnder();
    for (let i = 0; i < 600; i++) expect(await limits.admitBatch('203.0.113.7')).toBeUndefined();
    const refusal = await limits.admitBatch('203.0.113.7');
    expect(refusal).toMatchObject({ allowed: false, retryAfterMs: 100 });
    expect(refusal!.message).toMatch(/more than 600 a minute \(limits.batchesPerMinute\)/);
    expect(await limits.admitBatch('203.0.113.8')).toBeUndefined(); // another client
    expect(counted).toEqual(['batches']);
    expect(reports).toEqual([{ messageId: '', attempt: 0, status: 429, reason: refusal!.message, willRetry: false }]);
  });

  it('counts a phone and an email as two identities, and the same ones again as none', async () => {
    const { limits } = limitsUnder({ newIdentitiesPerMinute: 4 });
    expect(await limits.admitIdentities('203.0.113.7', [lead(0, '+15550000001', 'A@x.example')])).toBeUndefined();
    expect(await limits.admitIdentities('203.0.113.7', [lead(0, '+15550000001', 'a@x.example'), lead(1, '+15550000001')])).toBeUndefined();
    expect(await limits.admitIdentities('203.0.113.7', [lead(2, '+15550000002', 'b@x.example')])).toBeUndefined();
    const refusal = await limits.admitIdentities('203.0.113.7', [lead(3, '+15550000003')]);
    expect(refusal?.allowed).toBe(false);
    expect(refusal!.message).toMatch(/more than 4 a minute \(limits.newIdentitiesPerMinute\) or 200 an hour/);
  });

  it('lets 20 new identities a minute through and 200 an hour, per IP', async () => {
    const { limits, advance, counted } = limitsUnder();
    let admitted = 0;
    for (let minute = 0; minute < 60; minute++) {
      for (let i = 0; i < 25; i++) {
        if (!(await limits.admitIdentities('198.51.100.1', [lead(i, `+1555${String(minute * 100 + i).padStart(7, '0')}`)]))) admitted++;
      }
      advance(60_000);
    }
    expect(admitted).toBe(200);
    expect(counted.length).toBe(60 * 25 - 200);
  });

  it('holds back a phone named from a 6th IP within the hour, for that IP only, and lets it through an hour later', async () => {
    const { limits, reports, counted, advance } = limitsUnder();
    const ips = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'];
    for (const ip of ips.slice(0, 5)) expect((await limits.holdBackPhones(ip, [lead(0, '+15557654321')])).size).toBe(0);
    const held = await limits.holdBackPhones(ips[5], [lead(7, '+15557654321'), lead(8, '+15550000000')]);
    expect([...held.keys()]).toEqual([7]);
    expect(held.get(7)).toEqual({ status: 'rejected', reason: expect.stringMatching(/^phone velocity: this phone number was identified from more than 5 client IPs within an hour \(limits.ipsPerPhonePerHour\)/) });
    expect(reports.map((r) => r.messageId)).toEqual(['m7']);
    expect(reports[0].reason).not.toContain('7654321'); // no phone number in logs
    expect(counted).toEqual(['phone_velocity']);
    // The IPs that named it first keep working.
    expect((await limits.holdBackPhones(ips[0], [lead(9, '+15557654321')])).size).toBe(0);
    advance(3_600_000);
    expect((await limits.holdBackPhones(ips[5], [lead(10, '+15557654321')])).size).toBe(0);
  });

  it('counts an IPv6 /64 as one IP for phone velocity', async () => {
    const { limits } = limitsUnder({ ipsPerPhonePerHour: 1 });
    expect((await limits.holdBackPhones('2001:db8:5:6::1', [lead(0, '+15557654321')])).size).toBe(0);
    expect((await limits.holdBackPhones('2001:db8:5:6::ffff', [lead(1, '+15557654321')])).size).toBe(0);
    expect((await limits.holdBackPhones('2001:db8:5:7::1', [lead(2, '+15557654321')])).size).toBe(1);
  });

  it('allows everything when the client IP is unknown or a limit is off', async () => {
    const { limits } = limitsUnder({ batchesPerMinute: 1, newIdentitiesPerMinute: 1 });
    for (let i = 0; i < 5; i++) expect(await limits.admitBatch(undefined)).toBeUndefined();
    expect(await limits.admitIdentities(undefined, [lead(0, '+15550000001'), lead(1, '+15550000002')])).toBeUndefined();
    const off = limitsUnder({ batchesPerMinute: Infinity, newIdentitiesPerMinute: Infinity, newIdentitiesPerHour: Infinity, ipsPerPhonePerHour: Infinity }).limits;
    for (let i = 0; i < 5; i++) expect(await off.admitBatch('192.0.2.1')).toBeUndefined();
    expect(await off.admitIdentities('192.0.2.1', Array.from({ length: 300 }, (_, i) => lead(i, `+1555${String(i).padStart(7, '0')}`)))).toBeUndefined();
  });

  it('never puts a phone number or an email address in the shared state', async () => {
    const keys: string[] = [];
    const members: string[] = [];
    const state = createMemoryLimitState();
    const limits = createClientLimits({
      limits: DEFAULT_CLIENT_LIMITS,
      state: {
        hit: (key, ...rest) => (keys.push(key), state.hit(key, ...rest)),
        admit: (windows, m, now) => (keys.push(...windows.map((w) => w.key)), members.push(...m), state.admit(windows, m, now)),
        admitNew: (spec, m, now) => (keys.push(spec.knownKey, spec.newKey), members.push(...m), state.admitNew(spec, m, now)),
      },
      now: () => 0,
      report() {},
      count() {},
    });
    await limits.admitIdentities('192.0.2.1', [lead(0, '+15557654321', 'jane@x.example')]);
    await limits.holdBackPhones('192.0.2.1', [lead(0, '+15557654321', 'jane@x.example')]);
    expect(keys.length).toBeGreaterThan(0);
    expect(JSON.stringify([keys, members])).not.toMatch(/7654321|jane/);
  });
});
