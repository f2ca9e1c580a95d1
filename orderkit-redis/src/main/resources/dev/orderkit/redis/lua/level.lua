-- Stock level changes outside reservations, idempotent on their reference.
-- KEYS[1] = level, KEYS[2] = movements, KEYS[3] = location set of the SKU,
-- KEYS[4] = applied writes of the level (hash: reference -> 'A|delta||oh|rs|v|ts|cm' or
--           'S|onHand|expectedVersion|oh|rs|v|ts|cm' or 'P|kind|limit,until|oh|rs|v|ts|cm', the
--           arguments and the resulting level; a
--           record written before committed was tracked has no cm: 0),
-- KEYS[5] = the outbox stream of the level's events
-- ARGV[8], ARGV[9] (adjust, set): the STOCK_ADJUSTED event's JSON before and after its on-hand value:
--   the event (on-hand after the change spliced in) is appended when the write applies
-- ARGV[1] = op:
--   adjust delta '' reference now sku location
--   set    onHand expectedVersion reference now sku location
--   policy kind limit,until reference now sku location (until: '' or a time string; StockPolicy)
-- On-hand may drop below reserved by at most the level's policy allowance at now ('pl', 'pu').
-- A reference already recorded for this level answers with its recorded level when the arguments
-- match, else {'REUSED', kind, amount, expectedVersion}; nothing is written in either case. Only a
-- successful write is recorded, in the same script as the change.
-- returns {'OK', onHand, reserved, version, updatedAt, committed} | {'NOTFOUND'} | {'SHORT', available, reserved}
--       | {'CONFLICT', version} | {'REUSED', 'A'|'S', amount, expectedVersion}
local level, mv, locs, writes, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1]
local ref, now, sku, loc = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local kind = (op == 'set') and 'S' or ((op == 'policy') and 'P' or 'A')
local prior = redis.call('HGET', writes, ref)
if prior then
  local f = split(prior, '|')
  if f[1] == kind and f[2] == ARGV[2] and (kind == 'A' or f[3] == ARGV[3]) then
    return {'OK', f[4], f[5], f[6], f[7], f[8] or '0'}
  end
  return {'REUSED', f[1], f[2], f[3]}
end
local cur = redis.call('HMGET', level, 'oh', 'rs', 'v', 'pl', 'pu')
local exists = cur[1] ~= false
local function create()
  redis.call('HSET', level, 'oh', 0, 'rs', 0, 'v', 0, 'ts', now, 'sku', sku, 'loc', loc)
  redis.call('SADD', locs, loc)
  cur = {'0', '0', '0'}
  exists = true
end
local function result()
  local r = redis.call('HMGET', level, 'oh', 'rs', 'v', 'ts', 'cm')
  local cm = r[5] or '0'
  redis.call('HSET', writes, ref, kind .. '|' .. ARGV[2] .. '|' .. (kind ~= 'A' and ARGV[3] or '') .. '|'
    .. r[1] .. '|' .. r[2] .. '|' .. r[3] .. '|' .. r[4] .. '|' .. cm)
  if kind ~= 'P' and ARGV[8] and ARGV[8] ~= '' then emit(KEYS[5], sku .. '@' .. loc, ARGV[8] .. r[1] .. ARGV[9]) end
  return {'OK', r[1], r[2], r[3], r[4], cm}
end
if op == 'adjust' then
  local delta = tonumber(ARGV[2])
  if not exists then
    if delta < 0 then return {'NOTFOUND'} end
  end
  local oh = exists and tonumber(cur[1]) or 0
  local rs = exists and tonumber(cur[2]) or 0
  local allow = allowance(cur[4], cur[5], now)
  if (delta < 0 and oh + delta + allow < rs) or oh + delta < 0 then
    return {'SHORT', tostring(math.min(oh, math.max(0, oh + allow - rs))), tostring(rs)}
  end
  if not exists then create() end
  move(level, mv, delta, 0, 'ADJUST', ref, now)
  return result()
elseif op == 'set' then
  local onHand, expected = tonumber(ARGV[2]), tonumber(ARGV[3])
  if expected == -1 then
    if exists then return {'CONFLICT', cur[3]} end
  else
    if not exists then return {'NOTFOUND'} end
    if tonumber(cur[3]) ~= expected then return {'CONFLICT', cur[3]} end
  end
  local rs = exists and tonumber(cur[2]) or 0
  local oh = exists and tonumber(cur[1]) or 0
  if onHand < oh and onHand + allowance(cur[4], cur[5], now) < rs then
    return {'SHORT', tostring(oh - rs), tostring(rs)}
  end
  if not exists then create() end
  move(level, mv, onHand - tonumber(cur[1]), 0, 'SET_ON_HAND', ref, now)
  return result()
elseif op == 'policy' then
  if not exists then create() end
  local lu = split(ARGV[3], ',')
  redis.call('HSET', level, 'pk', ARGV[2], 'pl', lu[1])
  if lu[2] and lu[2] ~= '' then
    redis.call('HSET', level, 'pu', lu[2])
  else
    redis.call('HDEL', level, 'pu')
  end
  move(level, mv, 0, 0, 'POLICY', ref, now)
  return result()
end
return redis.error_reply('unknown level op ' .. tostring(op))
