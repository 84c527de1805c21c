// @vitest-environment node
/**
 * The Redis state's turns are counted from when the reply is read: a reply read late (a busy
 * or starved process) answers a shorter wait, or a negative one when the turn has passed.
 * Redis's clock differs from this process's; each call bounds the difference.
 */
import { describe, expect, it } from 'vitest';
import { createRedisState, type RedisCommandClient } from '../../../src/relay';
import { createClockOffset } from '../../../src/relay/state/clock-offset';

/** Redis's clock runs 1 234 567 ms ahead of this process's; `readLate` delays reading a reply. */
function fakeRedis() {
  let t = 10_000;
  const redisAhead = 1_234_567;
  let nextWait = 0;
  let readLate = 0;
  const client: RedisCommandClient = {
    async sendCommand() {
      const decidedAt = Math.floor(t + redisAhead);
      t += 0.2 + readLate; // the round trip, and however long the reply waited to be read
      readLate = 0;
      return [String(nextWait), String(decidedAt)];
    },
  };
  return {
    state: createRedisState({ client, now: () => t }),
    answer(wait: number, late = 0) {
      nextWait = wait;
      readLate = late;
    },
  };
}

/** Within the 1 ms that Redis's whole-ms clock and a round trip leave uncertain. */
const near = (value: number | undefined, expected: number) => value !== undefined && Math.abs(value - expected) <= 1.5;

describe('Redis state turns', () => {
  it('answers the wait from when the reply is read, however far Redis’s clock is', async () => {
    const redis = fakeRedis();
    for (let i = 0; i < 5; i++) {
      redis.answer(100);
      expect(near(await redis.state.reserve(10, 5_000), 100)).toBe(true);
    }
  });

  it('answers a negative wait when the reply was read after the turn', async () => {
    const redis = fakeRedis();
    for (let i = 0; i < 3; i++) {
      redis.answer(0);
      await redis.state.reserve(10, 5_000);
    }
    redis.answer(100, 300); // decided "in 100 ms", read 300 ms later
    expect(near(await redis.state.reserve(10, 5_000), -200)).toBe(true);
    redis.answer(50, 30);
    expect(near(await redis.state.reserve(10, 5_000), 20)).toBe(true);
  });
});

describe('clock offset', () => {
  it('keeps the narrowest bound, within each call’s own', () => {
    const clock = createClockOffset();
    const first = clock.toLocal(0, 5_000, 0.4); // Redis read 5 000 between local 0 and 0.4
    expect(first).toBeGreaterThanOrEqual(-1);
    expect(first).toBeLessThanOrEqual(0.4);
    // A slow call (its reply read 400 ms late): the earlier, narrow bound places it.
    expect(clock.toLocal(1_000, 6_000, 1_400)).toBeCloseTo(1_000, 0);
    // The local clock stepped by +10 s: the estimate no longer fits this call's bound, which wins.
    expect(clock.toLocal(12_000, 7_000, 12_001)).toBeGreaterThanOrEqual(11_999);
  });
});
