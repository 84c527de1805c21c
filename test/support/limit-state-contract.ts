/**
 * The behaviour every `LimitState & TokenLedger` must have, run against each
 * implementation (memory in the unit tests, Redis in the integration tests). Times are the
 * caller's, except the ledger's TTLs, which run on real time as Redis's do.
 */
import { describe, expect, it } from 'vitest';
import type { TokenLedger } from '../../src/relay/bot-verification/verify-consent';
import type { LimitState } from '../../src/relay/limits/limit-state';

export type LimitStateUnderTest = LimitState & TokenLedger;

let run = 0;

export function limitStateContract(name: string, state: () => LimitStateUnderTest) {
  describe(`${name} limit state`, () => {
    // Each test its own keys: the state may be shared between tests (one Redis).
    const key = (k: string) => `t${run}:${k}`;
    const fresh = () => (run++, state());

    describe('hit (a bucket that refills)', () => {
      it('allows a burst of `limit`, then one per windowMs / limit, and says how long to wait', async () => {
        const s = fresh();
        let refused = 0;
        for (let i = 0; i < 600; i++) if (!(await s.hit(key('k'), 60_000, 600, 0)).allowed) refused++;
        expect(refused).toBe(0);
        expect(await s.hit(key('k'), 60_000, 600, 0)).toEqual({ allowed: false, retryAfterMs: 100 });
        expect((await s.hit(key('k'), 60_000, 600, 99)).allowed).toBe(false);
        expect((await s.hit(key('k'), 60_000, 600, 100)).allowed).toBe(true);
        expect((await s.hit(key('k'), 60_000, 600, 100)).allowed).toBe(false);
      });

      it('does not count refused requests: a client hammering past the limit waits no longer', async () => {
        const s = fresh();
        for (let i = 0; i < 10; i++) await s.hit(key('k'), 1_000, 10, 0);
        for (let i = 0; i < 200; i++) await s.hit(key('k'), 1_000, 10, 50);
        expect((await s.hit(key('k'), 1_000, 10, 100)).allowed).toBe(true);
      });

      it('keeps keys apart', async () => {
        const s = fresh();
        expect((await s.hit(key('a'), 1_000, 1, 0)).allowed).toBe(true);
        expect((await s.hit(key('a'), 1_000, 1, 0)).allowed).toBe(false);
        expect((await s.hit(key('b'), 1_000, 1, 0)).allowed).toBe(true);
      });
    });

    describe('admit (distinct members in a window)', () => {
      const minute = (k: string) => ({ key: key(k), windowMs: 60_000, limit: 3 });

      it('counts each member once, and a member already seen is free', async () => {
        const s = fresh();
        expect((await s.admit([minute('m')], ['a', 'b', 'a'], 0)).allowed).toBe(true);
        expect((await s.admit([minute('m')], ['a', 'b'], 10)).allowed).toBe(true);
        expect((await s.admit([minute('m')], ['c'], 20)).allowed).toBe(true);
        expect((await s.admit([minute('m')], ['a', 'b', 'c'], 30)).allowed).toBe(true);
        expect(await s.admit([minute('m')], ['d'], 40)).toEqual({ allowed: false, retryAfterMs: 60_000 - 10 }); // all three refreshed at 30
      });

      it('admits all members or none', async () => {
        const s = fresh();
        await s.admit([minute('m')], ['a', 'b'], 0);
        expect((await s.admit([minute('m')], ['c', 'd'], 0)).allowed).toBe(false);
        expect((await s.admit([minute('m')], ['c'], 0)).allowed).toBe(true);
      });

      it('frees a member once its window has passed since it was last seen', async () => {
        const s = fresh();
        await s.admit([minute('m')], ['a', 'b', 'c'], 0);
        await s.admit([minute('m')], ['a'], 30_000);
        const refused = await s.admit([minute('m')], ['d'], 59_999);
        expect(refused).toEqual({ allowed: false, retryAfterMs: 1 }); // b (seen at 0) leaves at 60 000
        expect((await s.admit([minute('m')], ['d'], 60_000)).allowed).toBe(true);
        // b and c left at 60 000; a (30 000) and d remain: one more fits.
        expect((await s.admit([minute('m')], ['e'], 60_000)).allowed).toBe(true);
        expect((await s.admit([minute('m')], ['f'], 60_000)).retryAfterMs).toBe(30_000);
      });

      it('waits for as many members to leave as the batch needs; a batch larger than the limit waits a whole window', async () => {
        const s = fresh();
        await s.admit([minute('m')], ['a'], 0);
        await s.admit([minute('m')], ['b'], 1_000);
        await s.admit([minute('m')], ['c'], 2_000);
        expect((await s.admit([minute('m')], ['x', 'y'], 3_000)).retryAfterMs).toBe(61_000 - 3_000);
        expect((await s.admit([minute('m')], ['p', 'q', 'r', 's'], 3_000)).retryAfterMs).toBe(60_000);
      });

      it('checks every window: the hour refuses what the minute would allow', async () => {
        const s = fresh();
        const windows = [minute('m'), { key: key('h'), windowMs: 3_600_000, limit: 4 }];
        expect((await s.admit(windows, ['a', 'b', 'c'], 0)).allowed).toBe(true);
        expect((await s.admit(windows, ['d'], 61_000)).allowed).toBe(true);
        expect(await s.admit(windows, ['e'], 122_000)).toEqual({ allowed: false, retryAfterMs: 3_600_000 - 122_000 });
      });
    });

    describe('admitNew (first sightings)', () => {
      const spec = (windows = [{ windowMs: 60_000, limit: 2 }, { windowMs: 3_600_000, limit: 3 }], knownMs = 86_400_000) => ({ knownKey: key('known'), knownMs, newKey: key('new'), windows });

      it('counts a member once, when first seen; a known member is free for as long as it keeps being seen', async () => {
        const s = fresh();
        expect((await s.admitNew(spec(), ['a', 'b'], 0)).allowed).toBe(true);
        for (let t = 60_000; t <= 3_600_000; t += 60_000) expect((await s.admitNew(spec(), ['a', 'b'], t)).allowed).toBe(true);
        expect((await s.admitNew(spec(), ['c'], 3_600_000)).allowed).toBe(true);
        expect((await s.admitNew(spec(), ['a', 'b', 'c'], 3_650_000)).allowed).toBe(true);
      });

      it('limits first sightings per window, all or none, and says when they would fit', async () => {
        const s = fresh();
        await s.admitNew(spec(), ['a', 'b'], 0);
        expect(await s.admitNew(spec(), ['c'], 30_000)).toEqual({ allowed: false, retryAfterMs: 30_000 });
        expect((await s.admitNew(spec(), ['a', 'c'], 60_000)).allowed).toBe(true);
        expect(await s.admitNew(spec(), ['d'], 120_000)).toEqual({ allowed: false, retryAfterMs: 3_600_000 - 120_000 });
        expect((await s.admitNew(spec(), ['d', 'e', 'f'], 3_600_000)).retryAfterMs).toBe(60_000);
        expect((await s.admitNew(spec(), ['d'], 3_600_000)).allowed).toBe(true);
      });

      it('forgets a member not seen for knownMs: it is new again', async () => {
        const s = fresh();
        const short = spec(undefined, 3_600_000);
        await s.admitNew(short, ['a'], 0);
        expect((await s.admitNew(short, ['a'], 3_599_999)).allowed).toBe(true);
        expect((await s.admitNew(short, ['x', 'y'], 3_600_000)).allowed).toBe(true);
        expect((await s.admitNew(short, ['a'], 7_200_000)).allowed).toBe(true);
        expect((await s.admitNew(short, ['b', 'c'], 7_200_000)).allowed).toBe(false);
        expect((await s.admitNew(short, ['b'], 7_200_000)).allowed).toBe(true);
      });
    });

    describe('token ledger', () => {
      it('claims a key once: the next claim sees the value, a put replaces it, a drop frees it', async () => {
        const s = fresh();
        expect(await s.claim(key('tok'), 'pending', 10_000)).toBeNull();
        expect(await s.claim(key('tok'), 'pending', 10_000)).toBe('pending');
        await s.put(key('tok'), 'ok:abc', 10_000);
        expect(await s.claim(key('tok'), 'pending', 10_000)).toBe('ok:abc');
        await s.drop(key('tok'));
        expect(await s.claim(key('tok'), 'pending', 10_000)).toBeNull();
      });

      it('lets a claim expire', async () => {
        const s = fresh();
        expect(await s.claim(key('tok'), 'pending', 50)).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 120));
        expect(await s.claim(key('tok'), 'pending', 50)).toBeNull();
      });
    });
  });
}
