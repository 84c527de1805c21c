import type { TokenLedger } from '../bot-verification/verify-consent';
import { ALLOWED, type LimitAnswer, type LimitState } from './limit-state';
import { ADMIT_NEW_SCRIPT, ADMIT_SCRIPT, CLAIM_SCRIPT, DROP_SCRIPT, HIT_SCRIPT, PUT_SCRIPT } from './redis-limit-scripts';

/**
 * Runs a Lua script on Redis: `EVAL script keys.length ...keys ...args` (or `EVALSHA` with a
 * fallback; the client's business). Resolves to the script's reply: a number, a string, or
 * `null` for Lua's `false`.
 *
 * @example
 * // node-redis
 * const evaluate: RedisEval = (script, keys, args) => client.eval(script, { keys, arguments: args })
 * // ioredis
 * const evaluate: RedisEval = (script, keys, args) => client.eval(script, keys.length, ...keys, ...args)
 */
export type RedisEval = (script: string, keys: string[], args: string[]) => Promise<unknown>;

/**
 * `LimitState` and `TokenLedger` on Redis: every check one Lua script (atomic across the
 * relay's instances), every key under `prefix` and with a TTL.
 */
export function createRedisLimitState(evaluate: RedisEval, prefix = ''): LimitState & TokenLedger {
  const answer = (wait: unknown): LimitAnswer => (Number(wait) > 0 ? { allowed: false, retryAfterMs: Number(wait) } : ALLOWED);
  // Whole milliseconds: scores and TTLs are integers in the scripts.
  const ms = (n: number) => String(Math.floor(n));
  return {
    async hit(key, windowMs, limit, now) {
      return answer(await evaluate(HIT_SCRIPT, [prefix + key], [ms(now), ms(windowMs), String(limit)]));
    },
    async admit(windows, members, now) {
      const args = [ms(now)];
      for (const window of windows) args.push(ms(window.windowMs), String(window.limit));
      return answer(await evaluate(ADMIT_SCRIPT, windows.map((w) => prefix + w.key), [...args, ...new Set(members)]));
    },
    async admitNew(spec, members, now) {
      const args = [ms(now), ms(spec.knownMs), String(spec.windows.length)];
      for (const window of spec.windows) args.push(ms(window.windowMs), String(window.limit));
      return answer(await evaluate(ADMIT_NEW_SCRIPT, [prefix + spec.knownKey, prefix + spec.newKey], [...args, ...new Set(members)]));
    },
    async claim(key, value, ttlMs) {
      const held = await evaluate(CLAIM_SCRIPT, [prefix + key], [value, ms(ttlMs)]);
      return held == null ? null : String(held);
    },
    async put(key, value, ttlMs) {
      await evaluate(PUT_SCRIPT, [prefix + key], [value, ms(ttlMs)]);
    },
    async drop(key) {
      await evaluate(DROP_SCRIPT, [prefix + key], []);
    },
  };
}
