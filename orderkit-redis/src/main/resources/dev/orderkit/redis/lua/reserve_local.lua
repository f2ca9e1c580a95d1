-- Standalone fast path: the whole reservation (header + its single part) in one atomic script.
-- KEYS[1] = header, KEYS[2] = bucket due index, KEYS[3] = part key, then per line i:
--   KEYS[3i+1] = level, KEYS[3i+2] = movements, KEYS[3i+3] = SKU due set
-- ARGV: id, now, expiresAt (time), expiresAt (ms), nowms, lines (header encoding), anchors, q1..qn
-- returns {'OK'} | {'EXISTS', field, value, ...} | {'UNKNOWN', ...} | {'SHORT', ...}
local h, dueIdx = KEYS[1], KEYS[2]
local st = redis.call('HGET', h, 'st')
local att = 1
if st and st ~= ST.ABORTED then
  local all = redis.call('HGETALL', h)
  table.insert(all, 1, 'EXISTS')
  return all
end
if st == ST.ABORTED then att = tonumber(redis.call('HGET', h, 'att')) + 1 end
if att ~= 1 then return {'ATTEMPT', tostring(att)} end
local n = (#KEYS - 3) / 3
local lv, mv, du, q = {}, {}, {}, {}
for i = 1, n do
  lv[i], mv[i], du[i], q[i] = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3], ARGV[7 + i]
end
local r = hold_part(KEYS[3], lv, mv, du, q, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], false, '1')
if r[1] ~= 'OK' then return r end
redis.call('HSET', h, 'st', ST.HELD, 'id', ARGV[1], 'lines', ARGV[6], 'exp', ARGV[3], 'cr', ARGV[2], 'up', ARGV[2],
  'parts', ARGV[7], 'att', att)
redis.call('ZADD', dueIdx, ARGV[4], ARGV[1])
return {'OK'}
