// track()'s properties: copied at the call into JSON the relay's schema accepts, within the
// 32 KB an event may weigh, and never an exception for the page whatever they hold.
import { describe, expect, it } from 'vitest';
import { RelayEventSchema } from '../../../src/wire/schema';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('properties copied at the call', () => {
  it('freezes properties at the moment of the call', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const props = { step: 1 };
    regal.track('Step', props);
    props.step = 2;
    await regal.flush();
    expect(relay.events()[0].properties).toEqual({ step: 1 });
  });

  it('makes properties JSON-safe and never sends a payload the schema rejects', async () => {
    const relay = fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ holdUntilContactable: false, onError: (e) => errors.push(e) });
    const circular: any = { a: 1 };
    circular.self = circular;
    const shared = { x: 1 };
    await regal.track('Weird', { when: new Date('2026-01-01T00:00:00Z'), big: BigInt(10) ** BigInt(20), fn: () => 1, undef: undefined, circular, one: shared, two: shared, nan: NaN });
    await (regal.track as any)('Bad props', 'not an object');
    await regal.flush();
    const [e] = relay.events();
    expect(e.properties).toEqual({ when: '2026-01-01T00:00:00.000Z', big: '100000000000000000000', circular: { a: 1, self: '[Circular]' }, one: { x: 1 }, two: { x: 1 }, nan: null });
    expect(errors.map((x) => x.code)).toEqual(['invalid_properties', 'invalid_properties']);
    // Each message names the call's input, so a site can find the call site.
    expect(errors.map((x) => x.message)).toEqual(['Properties of Weird: circular reference sent as "[Circular]"', 'Properties of Bad props: not a plain object of JSON data']);
    for (const event of relay.events()) expect(RelayEventSchema.safeParse(event).success).toBe(true);
    expect(relay.events()).toHaveLength(1);
  });

  it('track() with properties whose toJSON returns a string never sends non-object properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.track('X', { toJSON: () => 'flat' } as any);
    await regal.flush();
    for (const e of relay.events()) expect(RelayEventSchema.safeParse(e).success).toBe(true);
  });
});

describe('properties that would throw', () => {
  it('track() with properties whose getter throws does not throw', () => {
    fakeRelay();
    const regal = make();
    const props = {
      get broken(): string {
        throw new Error('boom');
      },
    };
    expect(() => regal.track('X', props)).not.toThrow();
  });

  it('track() with properties whose toJSON returns undefined does not throw', () => {
    fakeRelay();
    const regal = make();
    expect(() => regal.track('X', { toJSON: () => undefined } as any)).not.toThrow();
  });
});

describe('events over 32 KB', () => {
  it('an event over 32 KB is reported through on(dropped), as it is counted in stats', async () => {
    fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('Big', { text: 'x'.repeat(40_000) });
    expect(regal.stats().dropped.invalid).toBe(1);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'invalid', count: 1 })]);
  });

  it('an event over 32 KB in UTF-8 bytes is refused at the call (not only over 32 K UTF-16 units)', async () => {
    fakeRelay();
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    // 20,000 euro signs: 20,000 UTF-16 units, 60,000 bytes of UTF-8 on the wire.
    await regal.track('Big', { text: '€'.repeat(20_000) });
    expect(errors.map((e) => e.code)).toContain('invalid_properties');
    expect(regal.stats().held).toBe(0);
  });
});
