/**
 * The typed event map is checked by the compiler (`npm run typecheck` covers test/):
 * each `@ts-expect-error` below fails the build if the call it marks stops being an error.
 */
import { describe, expect, it } from 'vitest';
import { createRegal } from '../../src/browser/index';

type Events = {
  'Quote Requested': { product: 'auto' | 'home'; amount: number };
  'CTA Clicked': { label: string };
};

describe('typed event map', () => {
  it('checks event names and property types at compile time, at no runtime cost', async () => {
    const regal = createRegal<Events>({ endpoint: '/regal', captureAttribution: false, storageName: 'typed' });
    regal.track('Quote Requested', { product: 'auto', amount: 3 });
    regal.track('CTA Clicked', { label: 'Get a quote' });
    // @ts-expect-error: not a declared event
    regal.track('Quote Requestd', { product: 'auto', amount: 3 });
    // @ts-expect-error: wrong property type
    regal.track('CTA Clicked', { label: 42 });
    // @ts-expect-error: a value outside the declared union
    regal.track('Quote Requested', { product: 'boat', amount: 1 });
    await regal.ready();
    // Untyped clients take any name.
    const loose = createRegal({ storageName: 'loose', captureAttribution: false });
    loose.track('Anything', { at: 1 });
    await loose.flush();
    expect(regal.stats().held + loose.stats().held).toBe(6);
    regal.destroy();
    loose.destroy();
  });
});
