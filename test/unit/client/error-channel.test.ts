// Bad calls are reported through the error channel (onError, on('error')) and counted in
// on('dropped'); nothing reaches the page, its console, or its listeners' own bugs.
import { describe, expect, it, vi } from 'vitest';
import type { RegalError } from '../../../src/browser/types';
import { clientsPerTest, fakeRelay } from '../helpers';

const make = clientsPerTest();

describe('the error channel', () => {
  it('reports a missing event name through the error channel and stores nothing', async () => {
    const errors: RegalError[] = [];
    const regal = make({ onError: (e) => errors.push(e) });
    const warn = vi.spyOn(console, 'warn');
    const error = vi.spyOn(console, 'error');
    await expect((regal.track as any)('')).resolves.toBeUndefined();
    await expect((regal.track as any)(42)).resolves.toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['invalid_event_name', 'invalid_event_name']);
    expect(regal.stats()).toMatchObject({ held: 0, queued: 0 });
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('a track() with an invalid name counts as dropped: invalid and is reported through on(dropped)', async () => {
    fakeRelay();
    const regal = make();
    const dropped: any[] = [];
    regal.on('dropped', (d) => dropped.push(d));
    await regal.track('');
    await regal.track('X', 'not an object' as any);
    expect(regal.stats().dropped.invalid).toBe(2);
    expect(dropped.reduce((n, d) => n + d.count, 0)).toBe(2);
  });

  it('a listener that throws does not break the library or reach the page', async () => {
    fakeRelay();
    const regal = make({ onError: () => { throw new Error('site bug'); } });
    regal.on('error', () => { throw new Error('site bug 2'); });
    await expect((regal.track as any)(null)).resolves.toBeUndefined();
  });
});
