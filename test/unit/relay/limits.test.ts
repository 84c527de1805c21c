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

describe('memory limit state: hit (a bucket that refills)', () => {
  it('allows a burst of `limit`, then one per windowMs / limit, and says how long to wait', async () => {
    const state = createMemoryLimitState();
    let refused = 0;
    for (let i = 0; i < 600; i++) if (!(await state.hit('k', 60_000, 600, 0)).allowed) refused++;
    expect(refused).toBe(0);
    expect(await state.hit('k', 60_000, 600, 0)).toEqual({ allowed: false, retryAfterMs: 100 });
    expect((await state.hit('k', 60_000, 600, 99)).allowed).toBe(false);
    expect((await state.hit('k', 60_000, 600, 100)).allowed).toBe(true);
    expect((await state.hit('k', 60_000, 600, 100)).allowed).toBe(false);
  });

  it('does not count refused requests: a client hammering past the limit waits no longer', async () => {
    const state = createMemoryLimitState();
    for (let i = 0; i < 10; i++) await state.hit('k', 1_000, 10, 0);
    for (let i = 0; i < 1_000; i++) await state.hit('k', 1_000, 10, 50);
    expect((await state.hit('k', 1_000, 10, 100)).allowed).toBe(true);
  });

  it('keeps keys apart', async () => {
    const state = createMemoryLimitState();
    expect((await state.hit('a', 1_000, 1, 0)).allowed).toBe(true);
    expect((await state.hit('a', 1_000, 1, 0)).allowed).toBe(false);
    expect((await state.hit('b', 1_000, 1, 0)).allowed).toBe(true);
  });
});

describe('memory limit state: admit (distinct members in a window)', () => {
  const minute = { key: 'm', windowMs: 60_000, limit: 3 };

  it('counts each member once, and a member already seen is free', async () => {
    const state = createMemoryLimitState();
    expect((await state.admit([minute], ['a', 'b', 'a'], 0)).allowed).toBe(true);
    expect((await state.admit([minute], ['a', 'b'], 10)).allowed).toBe(true);
    expect((await state.admit([minute], ['c'], 20)).allowed).toBe(true);
    expect((await state.admit([minute], ['a', 'b', 'c'], 30)).allowed).toBe(true);
    expect(await state.admit([minute], ['d'], 40)).toEqual({ allowed: false, retryAfterMs: 60_000 - 10 }); // all three refreshed at 30
  });

  it('admits all members or none', async () => {
    const state = createMemoryLimitState();
    await state.admit([minute], ['a', 'b'], 0);
    expect((await state.admit([minute], ['c', 'd'], 0)).allowed).toBe(false);
    // Neither c nor d was added: c alone still fits.
    expect((await state.admit([minute], ['c'], 0)).allowed).toBe(true);
  });

  it('frees a member once its window has passed since it was last seen', async () => {
    const state = createMemoryLimitState();
    await state.admit([minute], ['a', 'b', 'c'], 0);
    await state.admit([minute], ['a'], 30_000); // refreshed
    const refused = await state.admit([minute], ['d'], 59_999);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(1); // b (seen at 0) leaves at 60 000
    expect((await state.admit([minute], ['d'], 60_000)).allowed).toBe(true);
    // b and c left at 60 000; a (30 000) and d remain: one more fits.
    expect((await state.admit([minute], ['e'], 60_000)).allowed).toBe(true);
    expect((await state.admit([minute], ['f'], 60_000)).retryAfterMs).toBe(30_000);
  });

  it('waits for as many members to leave as the batch needs, and a batch larger than the limit waits a whole window', async () => {
    const state = createMemoryLimitState();
    await state.admit([minute], ['a'], 0);
    await state.admit([minute], ['b'], 1_000);
    await state.admit([minute], ['c'], 2_000);
    expect((await state.admit([minute], ['x', 'y'], 3_000)).retryAfterMs).toBe(61_000 - 3_000); // a and b must leave
    expect((await state.admit([minute], ['p', 'q', 'r', 's'], 3_000)).retryAfterMs).toBe(60_000);
  });

  it('checks every window: the hour refuses what the minute would allow', async () => {
    const state = createMemoryLimitState();
    const windows = [minute, { key: 'h', windowMs: 3_600_000, limit: 4 }];
    expect((await state.admit(windows, ['a', 'b', 'c'], 0)).allowed).toBe(true);
    expect((await state.admit(windows, ['d'], 61_000)).allowed).toBe(true);
    const refused = await state.admit(windows, ['e'], 122_000);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(3_600_000 - 122_000);
  });

  it('forgets keys of clients that never came back', async () => {
    const state = createMemoryLimitState();
    for (let i = 0; i < 5_000; i++) await state.admit([{ key: `k${i}`, windowMs: 1_000, limit: 1 }], ['a'], 0);
    // Past the window, the sweep (every 1 000 operations) drops them: a reused key starts empty.
    for (let i = 0; i < 1_000; i++) await state.hit('other', 1_000, 1_000_000, 5_000);
    expect((await state.admit([{ key: 'k1', windowMs: 1_000, limit: 1 }], ['b'], 5_000)).allowed).toBe(true);
  });
});

describe('memory limit state: admitNew (first sightings)', () => {
  const spec = { knownKey: 'known', knownMs: 86_400_000, newKey: 'new', windows: [{ windowMs: 60_000, limit: 2 }, { windowMs: 3_600_000, limit: 3 }] };

  it('counts a member once, when first seen; a known member is free for as long as it keeps being seen', async () => {
    const state = createMemoryLimitState();
    expect((await state.admitNew(spec, ['a', 'b'], 0)).allowed).toBe(true);
    // Seen every minute for an hour: never new again.
    for (let t = 60_000; t <= 3_600_000; t += 60_000) expect((await state.admitNew(spec, ['a', 'b'], t)).allowed).toBe(true);
    expect((await state.admitNew(spec, ['c'], 3_600_000)).allowed).toBe(true);
    expect((await state.admitNew(spec, ['a', 'b', 'c'], 3_650_000)).allowed).toBe(true);
  });

  it('limits first sightings per window, all or none, and says when they would fit', async () => {
    const state = createMemoryLimitState();
    await state.admitNew(spec, ['a', 'b'], 0);
    expect(await state.admitNew(spec, ['c'], 30_000)).toEqual({ allowed: false, retryAfterMs: 30_000 }); // the minute's 2
    expect((await state.admitNew(spec, ['a', 'c'], 60_000)).allowed).toBe(true); // a known, c new
    expect(await state.admitNew(spec, ['d'], 120_000)).toEqual({ allowed: false, retryAfterMs: 3_600_000 - 120_000 }); // the hour's 3
    expect((await state.admitNew(spec, ['d', 'e', 'f'], 3_600_000)).retryAfterMs).toBe(60_000); // more than the minute ever holds
    expect((await state.admitNew(spec, ['d'], 3_600_000)).allowed).toBe(true);
  });

  it('forgets a member not seen for knownMs: it is new again', async () => {
    const state = createMemoryLimitState();
    const short = { ...spec, knownMs: 3_600_000 };
    await state.admitNew(short, ['a'], 0);
    expect((await state.admitNew(short, ['a'], 3_599_999)).allowed).toBe(true); // still known: refreshed
    expect((await state.admitNew(short, ['x', 'y'], 3_600_000)).allowed).toBe(true);
    // Not seen for an hour: a is new again, and the minute already holds x and y.
    expect((await state.admitNew(short, ['a'], 7_199_999 + 1)).allowed).toBe(true);
    expect((await state.admitNew(short, ['b', 'c'], 7_200_000)).allowed).toBe(false);
    expect((await state.admitNew(short, ['b'], 7_200_000)).allowed).toBe(true);
  });
});

describe('limits option', () => {
  it('defaults to 600 batches a minute, 20 new identities a minute and 200 an hour, 5 IPs per phone an hour', () => {
    expect(resolveClientLimits(undefined)).toEqual({ batchesPerMinute: 600, newIdentitiesPerMinute: 20, newIdentitiesPerHour: 200, ipsPerPhonePerHour: 5 });
  });

  it('keeps the defaults of limits not given, turns one off with Infinity, all off with false', () => {
    expect(resolveClientLimits({ batchesPerMinute: 100, ipsPerPhonePerHour: Infinity })).toEqual({ ...DEFAULT_CLIENT_LIMITS, batchesPerMinute: 100, ipsPerPhonePerHour: Infinity });
    expect(Object.values(resolveClientLimits(false))).toEqual([Infinity, Infinity, Infinity, Infinity]);
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
