/**
 * The Lua scripts behind `LimitState` and `TokenLedger` on Redis: each check reads and
 * writes in one step, so instances counting the same client at the same moment cannot both
 * slip under a limit. Times come from the caller (`ARGV[1]`), as in the memory state.
 * Every key gets a TTL.
 */

/**
 * GCRA: `KEYS[1]` holds the theoretical arrival time (TAT) of the next request.
 * ARGV: now, windowMs, limit. Returns 0 when counted, else the wait in ms (at least 1).
 */
export const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local interval = window / tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local nextTat = tat + interval
if nextTat - now > window then return math.max(1, math.ceil(nextTat - now - window)) end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return 0
`;

/**
 * Distinct members per window, all or none. KEYS: one sorted set per window (member →
 * last seen). ARGV: now, then windowMs and limit of each window, then the members (distinct).
 * Returns 0 when admitted (every member's time refreshed), else the wait in ms.
 */
export const ADMIT_SCRIPT = `
local now = tonumber(ARGV[1])
local n = #KEYS
local first = 2 + 2 * n
local wait = 0
for k = 1, n do
  local window = tonumber(ARGV[2 * k])
  local limit = tonumber(ARGV[2 * k + 1])
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - window)
  local fresh = 0
  for i = first, #ARGV do
    if not redis.call('ZSCORE', KEYS[k], ARGV[i]) then fresh = fresh + 1 end
  end
  local over = redis.call('ZCARD', KEYS[k]) + fresh - limit
  if over > 0 then
    local w = window
    if fresh <= limit then
      local oldest = redis.call('ZRANGE', KEYS[k], over - 1, over - 1, 'WITHSCORES')
      w = tonumber(oldest[2]) + window - now
    end
    if w > wait then wait = w end
  end
end
if wait > 0 then return math.max(1, math.ceil(wait)) end
for k = 1, n do
  for i = first, #ARGV do redis.call('ZADD', KEYS[k], now, ARGV[i]) end
  redis.call('PEXPIRE', KEYS[k], ARGV[2 * k])
end
return 0
`;

/** Sets `KEYS[1]` to ARGV[1] for ARGV[2] ms unless it exists. Returns false when set, else the value it holds. */
export const CLAIM_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;
