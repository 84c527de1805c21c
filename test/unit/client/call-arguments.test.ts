import { describe, expect, it } from 'vitest';
import { callForm } from '../../../src/browser/client/call-arguments';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, eventName, fakeRelay } from '../helpers';

const make = clientsPerTest();

const fn = () => {};
const props = { plan: 'pro' };
const opts = { timestamp: '2026-01-02T03:04:05.000Z' };

describe('Segment call forms', () => {
  it.each([
    ['page()', [], 2, { names: [], data: undefined, options: undefined, callback: undefined }],
    ['page(name)', ['Pricing'], 2, { names: ['Pricing'], data: undefined }],
    ['page(category, name)', ['Docs', 'Intro'], 2, { names: ['Docs', 'Intro'], data: undefined }],
    ['page(name, props)', ['Pricing', props], 2, { names: ['Pricing'], data: props }],
    ['page(props, options)', [props, opts], 2, { names: [], data: props, options: opts }],
    ['page(null, name, props)', [null, 'Pricing', props], 2, { names: [null, 'Pricing'], data: props }],
    ['page(name, null, props)', ['Pricing', null, props], 2, { names: ['Pricing', null], data: props }],
    ['page(category, name, null, options, callback)', ['Docs', 'Intro', null, opts, fn], 2, { data: null, options: opts, callback: fn }],
    ['page(name, props, callback)', ['Pricing', props, fn], 2, { data: props, options: undefined, callback: fn }],
    ['page(callback)', [fn], 2, { names: [], data: undefined, callback: fn }],
    ['screen(name, null, options)', ['Home', null, opts], 1, { names: ['Home'], data: null, options: opts }],
    ['identify(traits)', [props], 1, { names: [], data: props }],
    ['identify(userId, null, options)', ['u1', null, opts], 1, { names: ['u1'], data: null, options: opts }],
    ['identify(null, traits, callback)', [null, props, fn], 1, { names: [null], data: props, callback: fn }],
    ['identify(userId, "not traits")', ['u1', 'oops'], 1, { names: ['u1'], data: 'oops' }],
  ] as const)('%s', (_label, args, maxNames, expected) => {
    expect(callForm([...args], maxNames)).toMatchObject(expected);
  });

  it('takes a numeric userId for identify only when asked to', () => {
    expect(callForm([42, props], 1, true)).toMatchObject({ names: [42], data: props });
    expect(callForm([42, props], 1)).toMatchObject({ names: [], data: 42, options: props });
  });

  it('options that are not an object are no options', () => {
    expect(callForm(['Pricing', props, 'not options'], 2).options).toBeUndefined();
  });
});

describe('call forms through the client (Segment analytics.js)', () => {
  it('track(name, callback) calls the callback and sends the event', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    const errors: RegalError[] = [];
    regal.on('error', (e) => errors.push(e));
    let called: unknown = 'not called';
    await (regal.track as any)('Clicked', (err: unknown) => (called = err));
    await regal.flush();
    expect(errors).toEqual([]);
    expect(called).toBeNull();
    expect(relay.events().map(eventName)).toEqual(['Clicked']);
  });

  it('identify(userId, null, options) takes the options as options, not as traits', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.identify('u1', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.traits).not.toHaveProperty('timestamp');
  });

  it('page(category, name, null, options) takes the options as options, not as properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.page('Docs', 'Intro', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.properties).not.toHaveProperty('timestamp');
  });

  it('page(name, null, properties) is a named page, as in analytics.js', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.page('Pricing', null as any, { plan: 'pro' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.properties).toMatchObject({ name: 'Pricing', plan: 'pro' });
    expect(e.properties).not.toHaveProperty('category');
  });

  it('screen(name, null, options) takes the options as options, not as properties', async () => {
    const relay = fakeRelay();
    const regal = make({ holdUntilContactable: false });
    await regal.screen('Home', null as any, { timestamp: '2026-01-02T03:04:05.000Z' });
    await regal.flush();
    const [e] = relay.events();
    expect(e.originalTimestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(e.properties).not.toHaveProperty('timestamp');
  });
});
