-- Drift check (StockStorage.audit) of ONE level, atomically: the level, the sums of its movements'
-- deltas, and the sum of its lines in the active holds indexed in its SKU's active set (lib.lua's
-- active_set: part keys in this slot; standalone merged records: header keys). Reads only this
-- level's own keys and the members of its SKU's set, never the keyspace. Writes nothing.
-- KEYS[1] = level hash, KEYS[2] = movements list, KEYS[3] = active set of the SKU
-- returns {} (no level) | {onHand, reserved, version, updatedAt, sumOnHand, sumReserved, holds}
local lv = redis.call('HMGET', KEYS[1], 'oh', 'rs', 'v', 'ts')
if not lv[1] then return {} end
local on, res = 0, 0
local n = redis.call('LLEN', KEYS[2])
local i = 0
while i < n do
  local es = redis.call('LRANGE', KEYS[2], i, i + 999)
  for j = 1, #es do
    local e = es[j]
    local p1 = string.find(e, '|', 1, true)
    local p2 = string.find(e, '|', p1 + 1, true)
    on = on + tonumber(string.sub(e, 1, p1 - 1))
    res = res + tonumber(string.sub(e, p1 + 1, p2 - 1))
  end
  i = i + 1000
end
local holds = 0
local members = redis.call('SMEMBERS', KEYS[3])
for m = 1, #members do
  local f = redis.call('HMGET', members[m], 'ps', 'st', 'lv', 'q')
  local st = f[1] or f[2]
  if (st == ST.HELD or st == ST.COMMITTED) and f[3] then
    local ls, qs = split(f[3], '\n'), split(f[4], '\n')
    for j = 1, #ls do
      if ls[j] == KEYS[1] then holds = holds + tonumber(qs[j]) end
    end
  end
end
return {lv[1], lv[2], lv[3], lv[4], string.format('%d', on), string.format('%d', res), string.format('%d', holds)}
