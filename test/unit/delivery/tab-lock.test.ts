// One tab sends at a time: Web Locks where the browser has them, a localStorage lease where not.
import { describe, expect, it, vi } from 'vitest';
import type { SendOutcome } from '../../../src/browser/delivery/transport';
import { createQueue } from '../../../src/browser/queue/queue';
import { restoreAfterEach, tick } from '../helpers';
import { deferred, limits, makeFlusher, rec, sharedStore } from './helpers';

restoreAfterEach();

describe('tab lock without navigator.locks', () => {
  it('a second tab does not send events the first is still sending when its round outlasts the lease', async () => {
    vi.stubGlobal('navigator', { onLine: true }); // Safari < 15.4: no Web Locks, the localStorage lease
    let clock = 1_000_000;
    const now = () => clock;
    const store = sharedStore();
    const qa = createQueue(store, limits, () => {});
    const qb = createQueue(store, limits, () => {});
    for (let i = 0; i < 3; i++) await qa.add(rec(i));
    const answerA = deferred<SendOutcome>();
    const sentA: string[] = [];
    const sentB: string[] = [];
    const a = makeFlusher(qa, store, (events) => (sentA.push(...events.map((e) => e.messageId)), answerA.promise), { now, tabId: 'tabA', beforeRound: async () => void (await qa.refresh()) });
    const b = makeFlusher(qb, store, async (events) => (sentB.push(...events.map((e) => e.messageId)), { status: 200 }), { now, tabId: 'tabB', beforeRound: async () => void (await qb.refresh()) });
    const roundA = a.flusher.flush();
    await tick();
    expect(sentA).toEqual(['m0', 'm1', 'm2']);
    // A slow relay (its forward budget, a slow network): tab A's round is still running 31 s later.
    clock += 31_000;
    await b.flusher.flush();
    answerA.resolve({ status: 200 });
    await roundA;
    a.flusher.stop();
    b.flusher.stop();
    // A lease that simply expired would let tab B send m0..m2 a second time, in parallel.
    expect(sentB).toEqual([]);
  });
});
