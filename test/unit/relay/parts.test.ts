// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { createMemoryDedupeStore } from '../../../src/relay';
import { clientIp, normalizeIp } from '../../../src/relay/receive/client-ip';
import { isOriginAllowed, toOriginAllowList } from '../../../src/relay/receive/origin';
import { REGAL_EVENT_FIELDS, toUpstreamEvent } from '../../../src/relay/receive/strip';
import { identityKeys, visitorChains } from '../../../src/relay/forward/visitor-groups';
import { CustomEventSchema, type RelayEvent } from '../../../src/wire/schema';

describe('memory dedupe store', () => {
  it('remembers an id for the TTL, then forgets it', () => {
    let now = 0;
    const store = createMemoryDedupeStore({ now: () => now });
    store.add('m1', 1_000);
    expect(store.has('m1')).toBe(true);
    expect(store.has('m2')).toBe(false);
    now = 999;
    expect(store.has('m1')).toBe(true);
    now = 1_000;
    expect(store.has('m1')).toBe(false);
  });

  it('forgets the oldest ids first past maxEntries', () => {
    const store = createMemoryDedupeStore({ maxEntries: 3, now: () => 0 });
    for (const id of ['a', 'b', 'c', 'd']) store.add(id, 60_000);
    expect(['a', 'b', 'c', 'd'].map((id) => store.has(id))).toEqual([false, true, true, true]);
    store.add('b', 60_000); // re-added: newest again
    store.add('e', 60_000);
    expect(['b', 'c', 'd', 'e'].map((id) => store.has(id))).toEqual([true, false, true, true]);
  });

  it('refuses a cap below 1', () => {
    expect(() => createMemoryDedupeStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

describe('client IP', () => {
  it('uses the socket peer unless proxies are trusted', () => {
    expect(clientIp('198.51.100.4', '10.0.0.1', false)).toBe('10.0.0.1');
    expect(clientIp('198.51.100.4', '10.0.0.1', 0)).toBe('10.0.0.1');
    expect(clientIp(null, '10.0.0.1', true)).toBe('10.0.0.1');
  });

  it('takes the n-th X-Forwarded-For entry from the right for n trusted proxies, the leftmost at most', () => {
    const xff = '198.51.100.4, 203.0.113.9,10.0.0.2';
    expect(clientIp(xff, '10.0.0.1', 1)).toBe('10.0.0.2');
    expect(clientIp(xff, '10.0.0.1', 3)).toBe('198.51.100.4');
    expect(clientIp(xff, '10.0.0.1', 9)).toBe('198.51.100.4');
    expect(clientIp(xff, undefined, true)).toBe('198.51.100.4');
  });

  it('normalises ports, brackets and IPv4-mapped IPv6, and refuses what is not an address', () => {
    expect(normalizeIp('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeIp(' 203.0.113.7:51234 ')).toBe('203.0.113.7');
    expect(normalizeIp('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(normalizeIp('::1')).toBe('::1');
    expect(normalizeIp('unknown')).toBeUndefined();
    expect(normalizeIp('<script>')).toBeUndefined();
    expect(normalizeIp(undefined)).toBeUndefined();
  });
});

describe('origin allow list', () => {
  const hosts = () => ['shop.example'];
  it('normalises listed origins and accepts the literal null only when listed', () => {
    const list = toOriginAllowList(['HTTPS://WWW.Shop.Example:443/path', 'null']);
    expect(list).toEqual(new Set(['https://www.shop.example', 'null']));
    expect(isOriginAllowed('https://www.shop.example', list, hosts)).toBe(true);
    expect(isOriginAllowed('null', list, hosts)).toBe(true);
    expect(isOriginAllowed('null', toOriginAllowList(undefined), hosts)).toBe(false);
  });

  it('looks at the own hosts only when the origin is not listed', () => {
    let asked = 0;
    const list = toOriginAllowList(['https://a.example']);
    isOriginAllowed('https://a.example', list, () => (asked++, []));
    isOriginAllowed(null, list, () => (asked++, []));
    expect(asked).toBe(0);
    expect(isOriginAllowed('http://SHOP.example', list, hosts)).toBe(true);
  });
});

describe('strip', () => {
  const base: RelayEvent = { messageId: 'm1', traits: {} };
  it('keeps exactly the top-level fields of the OpenAPI CustomEvent', () => {
    expect([...REGAL_EVENT_FIELDS].sort()).toEqual(Object.keys(CustomEventSchema.shape).sort());
  });

  it('stamps nothing without a client IP', () => {
    const traits = { phones: [{ phoneNumber: '+1', smsOptIn: { subscribed: true } }] };
    expect(toUpstreamEvent({ ...base, traits }, undefined)).toEqual({ traits: { phones: [{ phoneNumber: '+1', smsOptIn: { subscribed: true } }] } });
  });

  it('writes its own client IP over any ip the page put in an opt-in: empty, null or forged', () => {
    const traits = { emails: [{ emailAddress: 'a@b.c', emailOptIn: { ip: '' } }, { emailAddress: 'd@b.c', emailOptIn: { ip: null } }, { emailAddress: 'e@b.c', emailOptIn: { ip: '192.0.2.1' } }] };
    const out = toUpstreamEvent({ ...base, traits } as RelayEvent, '203.0.113.7');
    expect(out.traits.emails!.map((e) => e.emailOptIn!.ip)).toEqual(['203.0.113.7', '203.0.113.7', '203.0.113.7']);
  });

  it('removes an ip the page put in an opt-in when it knows no client IP itself', () => {
    const traits = { phones: [{ phoneNumber: '+1', smsOptIn: { subscribed: true, ip: '6.6.6.6' }, voiceOptIn: { subscribed: true } }] };
    expect(toUpstreamEvent({ ...base, traits }, undefined)).toEqual({ traits: { phones: [{ phoneNumber: '+1', smsOptIn: { subscribed: true }, voiceOptIn: { subscribed: true } }] } });
  });
});

describe('visitor chains', () => {
  const item = (name: string, ...keys: string[]) => ({ name, keys });
  const names = (chains: Array<Array<{ name: string }>>) => chains.map((chain) => chain.map((x) => x.name));

  it('chains events sharing a key, transitively, in batch order', () => {
    const items = [item('1', 'u:a'), item('2', 'u:b'), item('3', 'p:+1', 'u:c'), item('4', 'u:a', 'p:+1'), item('5', 'u:c'), item('6')];
    expect(names(visitorChains(items))).toEqual([['1', '3', '4', '5'], ['2'], ['6']]);
  });

  it('puts events without any identifier each in its own chain', () => {
    expect(names(visitorChains([item('1'), item('2')]))).toEqual([['1'], ['2']]);
  });

  it('derives keys from userId, every phone and every email (case-insensitive)', () => {
    const event: RelayEvent = { messageId: 'm', userId: 'u1', traits: { phones: [{ phoneNumber: '+1' }, { phoneNumber: '+2' }], emails: [{ emailAddress: 'Jane@X.com' }] } };
    expect(identityKeys(event)).toEqual(['u:u1', 'p:+1', 'p:+2', 'e:jane@x.com']);
  });
});
