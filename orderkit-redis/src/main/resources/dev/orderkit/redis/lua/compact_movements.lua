-- Retention (StockStorage.compactMovements) of one level: folds the longest prefix of its movement
-- list whose entries are older than the bound (at most budget + 1 entries) into one SNAPSHOT entry
-- at the head (the sums of their deltas, the time of the newest of them), and deletes the recorded
-- adjust / setOnHand writes of the folded entries, in one atomic step (one slot: {s:SKU}).
-- Movement entries: "onHandDelta|reservedDelta|REASON|time|reference" (see lib.lua).
-- KEYS[1] = movements list, KEYS[2] = applied writes of the level, KEYS[3] = movement positions of
-- the level (hash: base = entries removed so far, snap = position of the head SNAPSHOT entry): the
-- entry at list index i has position base + i + 1, except a head snapshot (snap, the position of
-- the oldest entry it folded), so positions of kept entries never change (movements_page.lua)
-- ARGV: bound (time, exclusive), budget (max entries removed), snapshot reference
-- returns the number of entries removed (0 when fewer than two entries are old)
local mv, writes = KEYS[1], KEYS[2]
local head = redis.call('LRANGE', mv, 0, tonumber(ARGV[2]))
local k, on, res, last = 0, 0, 0, nil
local refs = {}
for i = 1, #head do
  local e = head[i]
  local p1 = string.find(e, '|', 1, true)
  local p2 = string.find(e, '|', p1 + 1, true)
  local p3 = string.find(e, '|', p2 + 1, true)
  local p4 = string.find(e, '|', p3 + 1, true)
  local at = string.sub(e, p3 + 1, p4 - 1)
  if at >= ARGV[1] then break end
  k = i
  on = on + tonumber(string.sub(e, 1, p1 - 1))
  res = res + tonumber(string.sub(e, p1 + 1, p2 - 1))
  local reason = string.sub(e, p2 + 1, p3 - 1)
  if reason == 'ADJUST' or reason == 'SET_ON_HAND' or reason == 'POLICY' then refs[#refs + 1] = string.sub(e, p4 + 1) end
  if last == nil or at > last then last = at end
end
if k < 2 then return 0 end
local pos = redis.call('HMGET', KEYS[3], 'base', 'snap')
local base = tonumber(pos[1] or '0')
redis.call('HSET', KEYS[3], 'snap', pos[2] or string.format('%d', base + 1), 'base', string.format('%d', base + k - 1))
redis.call('LTRIM', mv, k, -1)
redis.call('LPUSH', mv, string.format('%d', on) .. '|' .. string.format('%d', res) .. '|SNAPSHOT|' .. last
  .. '|' .. ARGV[3])
if #refs > 0 then redis.call('HDEL', writes, unpack(refs)) end
return k - 1
