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

/**
 * First sightings. KEYS[1]: the known members (member → last seen); KEYS[2]: the first
 * sightings (member → first seen). ARGV: now, knownMs, the number of windows n, then windowMs
 * and limit of each window, then the members (distinct). Returns 0 when admitted, else the
 * wait in ms; a refusal changes nothing.
 */
export const ADMIT_NEW_SCRIPT = `
local now = tonumber(ARGV[1])
local knownMs = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local first = 4 + 2 * n
local longest = 0
for k = 1, n do
  local w = tonumber(ARGV[2 + 2 * k])
  if w > longest then longest = w end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - knownMs)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - longest)
local fresh = {}
for i = first, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then fresh[#fresh + 1] = ARGV[i] end
end
if #fresh > 0 then
  local wait = 0
  for k = 1, n do
    local window = tonumber(ARGV[2 + 2 * k])
    local limit = tonumber(ARGV[3 + 2 * k])
    local since = '(' .. string.format('%d', now - window)
    local over = redis.call('ZCOUNT', KEYS[2], since, '+inf') + #fresh - limit
    if over > 0 then
      local w = window
      if #fresh <= limit then
        local oldest = redis.call('ZRANGEBYSCORE', KEYS[2], since, '+inf', 'WITHSCORES', 'LIMIT', over - 1, 1)
        w = tonumber(oldest[2]) + window - now
      end
      if w > wait then wait = w end
    end
  end
  if wait > 0 then return math.max(1, math.ceil(wait)) end
  for _, member in ipairs(fresh) do redis.call('ZADD', KEYS[2], now, member) end
  redis.call('PEXPIRE', KEYS[2], longest)
end
for i = first, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], knownMs)
return 0
`;

/** Sets `KEYS[1]` to ARGV[1] for ARGV[2] ms unless it exists. Returns false when set, else the value it holds. */
export const CLAIM_SCRIPT = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

/** Sets `KEYS[1]` to ARGV[1] for ARGV[2] ms. */
export const PUT_SCRIPT = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 0`;

/** Deletes `KEYS[1]`. */
export const DROP_SCRIPT = `redis.call('DEL', KEYS[1]) return 0`;
