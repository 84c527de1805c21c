/**
 * What every RelayState must do, as a vitest suite to run against each implementation
 * (memory, Redis, Redis through another client such as an HTTP Redis).
 *
 * @example describe('my state', () => relayStateContract(() => createMyState()))
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RelayState } from '../../src/relay';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let unique = 0;
const id = () => `m-${process.pid}-${++unique}-${Math.random().toString(36).slice(2)}`;

export function relayStateContract(makeState: () => RelayState): void {
  let state: RelayState;
  beforeAll(async () => {
    state = makeState();
    // Connected before the first test: on a loaded machine a cold connection can take
    // longer than one call's timeout, which is not what the tests below are about.
    const deadline = Date.now() + 10_000;
    while (!(await state.ping()) && Date.now() < deadline) await pause(50);
  });
  afterAll(() => state.close());

  it('claims a messageId once: another claimer is told it is held, then forwarded once marked', async () => {
    const m = id();
    expect(await state.claim(m, 'a', 5_000)).toBe('claimed');
    expect(await state.claim(m, 'b', 5_000)).toBe('held');
    await state.markForwarded(m, 60_000);
    expect(await state.claim(m, 'b', 5_000)).toBe('forwarded');
    await state.release(m, 'a'); // a mark is never released
    expect(await state.claim(m, 'c', 5_000)).toBe('forwarded');
  });

  it('releases only the claimer’s own claim', async () => {
    const m = id();
    expect(await state.claim(m, 'a', 5_000)).toBe('claimed');
    await state.release(m, 'b');
    expect(await state.claim(m, 'b', 5_000)).toBe('held');
    await state.release(m, 'a');
    expect(await state.claim(m, 'b', 5_000)).toBe('claimed');
  });

  it('lets a claim expire, so a crashed instance never blocks an event for good', async () => {
    const m = id();
    expect(await state.claim(m, 'a', 100)).toBe('claimed');
    await pause(200);
    expect(await state.claim(m, 'b', 5_000)).toBe('claimed');
  });

  it('forgets a forwarded mark after its window', async () => {
    const m = id();
    await state.claim(m, 'a', 5_000);
    await state.markForwarded(m, 100);
    await pause(200);
    expect(await state.claim(m, 'b', 5_000)).toBe('claimed');
  });

  it('hands out send times one interval apart: at most rate + 1 in any 1 s window', async () => {
    await pause(50); // any reservation of an earlier test has passed
    // The state computes each turn at some moment of the call: bounded by the time before
    // it and after it, so each send time is known within the call's latency.
    const start = Date.now();
    const early: number[] = [];
    const late: number[] = [];
    for (let i = 0; i < 150; i++) {
      const before = Date.now();
      const wait = await state.reserve(10, Infinity); // 100/s
      expect(wait).toBeDefined();
      early.push(before + wait!);
      late.push(Date.now() + wait!);
    }
    for (let i = 1; i < early.length; i++) expect(late[i] - early[i - 1], `turn ${i}`).toBeGreaterThanOrEqual(9); // ms rounding
    // Any 1 s window: turns whose earliest possible time falls in [t, t + 1 s) cannot be more than rate + 1.
    let most = 0;
    for (let i = 0, j = 0; i < late.length; i++) {
      while (early[i] - late[j] >= 1_000) j++;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(102); // rate + 1, and one more for the ms the bounds add
    expect(late[late.length - 1] - start).toBeGreaterThanOrEqual(1_480);
    const sendAt = late;
    await pause(sendAt[sendAt.length - 1] - Date.now() + 20);
  });

  it('keeps a fractional interval exact: 300 turns at 300/s span 1 s, not 990 ms', async () => {
    for (let i = 0; i < 3; i++) await state.reserve(0.001, Infinity); // connected, and the clocks compared
    await pause(20);
    const turns: number[] = [];
    for (let i = 0; i <= 300; i++) {
      const wait = await state.reserve(1000 / 300, Infinity);
      turns.push(performance.now() + wait!);
    }
    // Each turn is placed from when its reply was read: within a ms or so of the state's decision.
    expect(turns[300] - turns[0]).toBeGreaterThan(995);
    expect(turns[300] - turns[0]).toBeLessThan(1_005);
    await pause(turns[300] - performance.now() + 20);
  });

  it('refuses, without reserving, a turn that would not come within the wait allowed', async () => {
    expect(await state.reserve(1_000, 5_000)).toBeDefined(); // the next turn is ~1 s away
    expect(await state.reserve(1_000, 200)).toBeUndefined();
    const wait = await state.reserve(1_000, 5_000);
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(1_000);
    await pause(wait! + 1_000);
  });

  it('pauses every sender after a 429 and never shortens a pause', async () => {
    await state.pause(600);
    await state.pause(100);
    const left = await state.pauseLeft();
    expect(left).toBeGreaterThan(450);
    expect(left).toBeLessThanOrEqual(600);
    const wait = await state.reserve(1, Infinity);
    expect(wait).toBeGreaterThan(450);
    await pause(700);
    expect(await state.pauseLeft()).toBe(0);
  });

  it('answers ping', async () => {
    expect(await state.ping()).toBe(true);
  });
}
