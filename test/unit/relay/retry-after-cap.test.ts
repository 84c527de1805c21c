// @vitest-environment node
// An upstream 429's Retry-After pauses every event the relay forwards; a broken header
// must not pause them for years, so the relay caps it at one hour, as the browser does.
import { describe, expect, it } from 'vitest';
import { event, ok, setup, status } from './helpers';

const json = (response: Response) => response.json() as Promise<{ accepted: string[]; rejected: Array<{ messageId: string; reason: string }>; retry: string[] }>;

describe("Regal's Retry-After", () => {
  it('caps an absurd upstream Retry-After instead of pausing every event for years', async () => {
    const { post, upstream, clock } = setup({ respond: (_call, i) => (i == 0 ? status(429, { message: 'slow down' }, { 'retry-after': '999999999' }) : ok()) });
    const first = await json(await post({ batch: [event('m1')] }));
    expect(first.retry).toEqual(['m1']);
    // Two hours later (the browser SDK caps the same header at one hour): the relay forwards again.
    await clock.advance(2 * 3600_000);
    const second = await json(await post({ batch: [event('m2', { userId: 'visitor-2' })] }));
    expect(upstream.calls.length).toBe(2);
    expect(second.accepted).toEqual(['m2']);
  });
});
