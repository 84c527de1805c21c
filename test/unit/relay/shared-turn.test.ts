/**
 * A request's turn on the schedule: it leaves within one interval of its turn or takes a
 * new one (a stalled process must not send in a later request's turn), and a pause set
 * while it waited sends it back behind the pause. On the shared schedule (several
 * instances) and on the relay's own pacer (one process).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryState, type RelayState } from '../../../src/relay';
import { createPacer } from '../../../src/relay/upstream/pacer';
import { event, flush, setup, type FakeClock } from './helpers';

/** A shared state whose schedule answers what the test scripts; claims always succeed. */
function scriptedState(script: { reserve: number[]; pauseLeft?: number[] }) {
  const calls = { reserve: 0, pauseLeft: 0 };
  const state: RelayState = {
    shared: true,
    claim: async () => 'claimed',
    markForwarded: async () => {},
    release: async () => {},
    reserve: async () => script.reserve[Math.min(calls.reserve++, script.reserve.length - 1)],
    pause: async () => {},
    pauseLeft: async () => script.pauseLeft?.[calls.pauseLeft++] ?? 0,
    limits: createMemoryState().limits,
    ping: async () => true,
    close: async () => {},
  };
  return { state, calls };
}

function counting() {
  const counts: Record<string, number> = {};
  return { counts, metrics: { inc: (name: string, by = 1) => void (counts[name] = (counts[name] ?? 0) + by) } };
}

describe('the shared schedule', () => {
  it('takes a new turn when the process wakes more than one interval after its turn', async () => {
    const { state, calls } = scriptedState({ reserve: [50, 0] });
    const { counts, metrics } = counting();
    let stalls = 1;
    let clockRef: FakeClock | undefined;
    // A sleep that wakes 300 ms late once (a GC pause, a starved CPU).
    const sleep = (ms: number, signal?: AbortSignal) => clockRef!.sleep(ms < 1_000 && stalls-- > 0 ? ms + 300 : ms, signal);
    const { clock, upstream, post } = setup({ state, metrics, rateLimitPerSecond: 10, sleep }); // one turn every 100 ms
    clockRef = clock;
    const start = clock.now();
    const answer = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await (await answer).json()).toMatchObject({ accepted: ['m1'] });
    expect(calls.reserve).toBe(2);
    expect(counts.turns_missed).toBe(1);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0].at - start).toBe(330); // sent on its new turn, not in the old one
  });

  it('takes a new turn when the state says the turn has already passed (its reply was read late)', async () => {
    const { state, calls } = scriptedState({ reserve: [-250, 40] });
    const { counts, metrics } = counting();
    const { clock, upstream, post } = setup({ state, metrics, rateLimitPerSecond: 10 });
    const start = clock.now();
    const answer = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await (await answer).json()).toMatchObject({ accepted: ['m1'] });
    expect(calls.reserve).toBe(2);
    expect(counts.turns_missed).toBe(1);
    expect(upstream.calls.map((call) => call.at - start)).toEqual([40]);
  });

  it('sends a request woken less than one interval late', async () => {
    const { state, calls } = scriptedState({ reserve: [-60] });
    const { counts, metrics } = counting();
    const { clock, upstream, post } = setup({ state, metrics, rateLimitPerSecond: 10 });
    const answer = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await (await answer).json()).toMatchObject({ accepted: ['m1'] });
    expect(calls.reserve).toBe(1);
    expect(counts.turns_missed).toBeUndefined();
    expect(upstream.calls).toHaveLength(1);
  });

  it('goes back behind a pause that another instance set while the request waited', async () => {
    // Turn in 500 ms; by then another instance met a 429 and paused everyone for 2 s.
    const { state, calls } = scriptedState({ reserve: [500, 2_000], pauseLeft: [2_000, 0] });
    const { clock, upstream, post } = setup({ state, rateLimitPerSecond: 10 });
    const start = clock.now();
    const answer = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(upstream.calls).toHaveLength(0);
    await clock.advance(3_000);
    expect(await (await answer).json()).toMatchObject({ accepted: ['m1'] });
    expect(calls.reserve).toBe(2);
    expect(upstream.calls.map((call) => call.at - start)).toEqual([2_480]); // asked 20 ms before the turn, then 2 000 ms behind
  });

  it('waits for the shared schedule only, not for a local one in front of it too', async () => {
    const { state } = scriptedState({ reserve: [0] }); // the shared schedule says go, every time
    const { clock, upstream, post } = setup({ state, rateLimitPerSecond: 10 });
    const start = clock.now();
    const answer = post({ batch: ['u1', 'u2', 'u3', 'u4', 'u5'].map((userId, i) => event(`m${i}`, { userId })) });
    await clock.advance(1_000);
    expect(await (await answer).json()).toMatchObject({ accepted: ['m0', 'm1', 'm2', 'm3', 'm4'] });
    expect(upstream.calls.map((call) => call.at - start)).toEqual([0, 0, 0, 0, 0]);
  });

  it('answers retry, sending nothing, when the pause check fails', async () => {
    const { state } = scriptedState({ reserve: [500] });
    state.pauseLeft = async () => {
      throw new Error('Redis did not answer EVAL within 1000 ms');
    };
    const { clock, upstream, post, errors } = setup({ state, rateLimitPerSecond: 10 });
    const answer = post({ batch: [event('m1')] });
    await clock.advance(1_000);
    expect(await (await answer).json()).toMatchObject({ retry: ['m1'] });
    expect(upstream.calls).toHaveLength(0);
    expect(errors.map((e) => e.reason)).toContain('shared state failed on pauseLeft(): Redis did not answer EVAL within 1000 ms');
  });
});

describe("the relay's own pacer", () => {
  it('spreads out again the senders a stalled process wakes at once: any 1 s holds at most rate + 1', async () => {
    let t = 0;
    const timers: Array<{ at: number; resolve: () => void }> = [];
    const pacer = createPacer({ ratePerSecond: 10, now: () => t, sleep: (ms) => new Promise((resolve) => timers.push({ at: t + ms, resolve })) });
    const sentAt: number[] = [];
    for (let i = 0; i < 30; i++) void pacer.take(Infinity).then(() => sentAt.push(t));
    await flush();
    // The process is busy from 50 ms to 1 450 ms: every timer due meanwhile fires at once.
    t = 1_450;
    const due = timers.filter((timer) => timer.at <= t);
    timers.splice(0, timers.length, ...timers.filter((timer) => timer.at > t));
    for (const timer of due) timer.resolve();
    await flush();
    // Then time runs normally.
    for (let timer = next(); timer; timer = next()) {
      t = Math.max(t, timer.at);
      timer.resolve();
      await flush();
    }
    expect(sentAt).toHaveLength(30);
    let most = 0;
    for (let a = 0, b = 0; b < sentAt.length; b++) {
      while (sentAt[b] - sentAt[a] >= 1_000) a++;
      most = Math.max(most, b - a + 1);
    }
    expect(most).toBeLessThanOrEqual(11);
    expect(sentAt.filter((at) => at === 1_450)).toHaveLength(1); // only the turn within 100 ms of it

    function next() {
      timers.sort((x, y) => x.at - y.at);
      return timers.shift();
    }
  });
});
