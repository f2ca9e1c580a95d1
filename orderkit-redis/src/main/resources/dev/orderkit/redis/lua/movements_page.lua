-- Audit (StockStorage.movements(key, after, limit)): one page of a level's movements by position.
-- KEYS[1] = movements list, KEYS[2] = movement positions of the level (see compact_movements.lua)
-- ARGV: after (exclusive position), limit
-- returns {position, entry, position, entry, ...} oldest first (entry as in lib.lua)
local base = tonumber(redis.call('HGET', KEYS[2], 'base') or '0')
local snap = redis.call('HGET', KEYS[2], 'snap')
local after, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local out, start = {}, 0
if snap then
  start = 1
  if tonumber(snap) > after then
    local e = redis.call('LINDEX', KEYS[1], 0)
    if e then
      out[1], out[2] = snap, e
      limit = limit - 1
    end
  end
end
-- the entry at index i >= start has position base + i + 1: the first one past `after` is at after - base
if after - base > start then start = after - base end
if limit > 0 then
  local es = redis.call('LRANGE', KEYS[1], start, start + limit - 1)
  for i = 1, #es do
    out[#out + 1] = string.format('%d', base + start + i)
    out[#out + 1] = es[i]
  end
end
return out
