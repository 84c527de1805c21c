import { describe, expect, it } from 'vitest';
import { callForm } from '../../src/browser/client/call-arguments';

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
