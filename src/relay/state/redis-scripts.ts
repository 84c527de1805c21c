/**
 * The Lua scripts of the Redis state: where several steps must be one (Redis runs a script
 * atomically), and where time must be Redis's own clock (`TIME`), so that instances whose
 * clocks disagree still share one schedule.
 *
 * The schedule is a GCRA (a token bucket of depth one): each request reserves the next free
 * send time, one interval after the previous reservation, so any 1 s window holds at most
 * rate + 1 requests whatever the number of instances. `rate-limiter-flexible` was
 * evaluated for this: its limiters count points in fixed windows (up to twice the rate
 * across a window boundary), and `execEvenly` spreads the requests of one process only, so
 * it gives no bound across instances; hence these few lines.
 */

/** KEYS[1] id key; ARGV[1] token, ARGV[2] ttl ms → 0 claimed, 1 held, 2 forwarded. */
export const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v == '' then return 2 end
if v then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 0`;

/** KEYS[1] id key; ARGV[1] token → deletes the key only if it is this token's claim. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS[1] schedule (next free send time), KEYS[2] pause end; ARGV[1] interval ms,
 * ARGV[2] max wait ms → [the wait in ms, or -1 when it would be max wait or more (nothing
 * reserved); Redis's clock in ms when it decided], both as strings (Lua numbers are
 * truncated in replies). The clock lets the caller place the turn on its own clock
 * however late it reads the reply (see clock-offset.ts).
 *
 * The next free time is stored with `%.3f`: Lua's `tostring` keeps 14 significant digits,
 * which for a time in ms since 1970 leaves one decimal, and would cut a 300/s interval
 * (3.333 ms) to 3.3 ms on every turn: 303 requests a second.
 */
export const RESERVE = `${NOW}
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
local sendAt = math.max(now, tat, paused)
local wait = sendAt - now
if wait >= tonumber(ARGV[2]) then return {'-1', tostring(now)} end
local nextFree = sendAt + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.3f', nextFree), 'PX', math.ceil(nextFree - now) + 1000)
return {tostring(wait), tostring(now)}`;

/** KEYS[1] schedule, KEYS[2] pause end; ARGV[1] pause ms → pauses every instance, never shortening a pause. */
export const PAUSE = `${NOW}
local untilAt = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if untilAt <= paused then return 0 end
redis.call('SET', KEYS[2], tostring(untilAt), 'PX', math.ceil(tonumber(ARGV[1])) + 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < untilAt then redis.call('SET', KEYS[1], tostring(untilAt), 'PX', math.ceil(tonumber(ARGV[1])) + 1000) end
return 1`;

/** KEYS[2] pause end → ms left. */
export const PAUSE_LEFT = `${NOW}
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
return math.max(0, paused - now)`;
