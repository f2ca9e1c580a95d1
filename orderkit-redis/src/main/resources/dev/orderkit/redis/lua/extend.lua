-- Extends a HELD hold: moves its expiry later, with its score in every due index it is in (see
-- RedisStockStorage.extend). Guarded in the same script by what the expiry scripts check (state HELD
-- and exp > now, as header.lua 'cas ... due', expire_batch.lua and the lazy expiry of lib.lua read
-- them), so of an extension and an expiry of the same record exactly one applies.
-- ARGV: mode, now (time), newExpiry (time), newExpiry (epoch ms), event (local / header: the
--       HOLD_EXTENDED event, JSON, appended with the change; KEYS[3] = the bucket's outbox stream)
--   local  (standalone merged record) KEYS: header, its bucket due index. Moves 'exp', the bucket
--          index score and the score in the due set of each SKU of its lines (field 'sd').
--   part   (cluster part) KEYS: part. Moves the part's 'exp' and its score in the SKU due sets of
--          its slot (field 'du'); parts are extended before their header, so a part never expires
--          before its header (the lazy expiry of a part reads the part's own 'exp').
--   header (cluster header) KEYS: header, its bucket due index. Moves 'exp' and the index score.
-- returns 'OK' | 'SAME' (already expires at or after newExpiry) | 'DUE' (exp <= now) |
--         'EXPIRED' (a merged record's part was expired lazily) | 'STATE:<state>' | 'MISSING'
local mode, now, nexp, nms = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local k = KEYS[1]
if mode == 'part' then
  local p = redis.call('HMGET', k, 'st', 'exp', 'du')
  if not p[1] or p[1] == ST.UNDONE then return 'MISSING' end
  if p[1] ~= ST.HELD then return 'STATE:' .. p[1] end
  if p[2] <= now then return 'DUE' end
  if p[2] >= nexp then return 'SAME' end
  redis.call('HSET', k, 'exp', nexp)
  local du = split(p[3], '\n')
  for i = 1, #du do redis.call('ZADD', du[i], nms, k) end
  return 'OK'
elseif mode ~= 'local' and mode ~= 'header' then
  return redis.error_reply('unknown extend mode ' .. tostring(mode))
end
local f = redis.call('HMGET', k, 'st', 'exp', 'id', 'ps', 'sd')
if not f[1] then return 'MISSING' end
if f[1] ~= ST.HELD then return 'STATE:' .. f[1] end
if mode == 'local' and f[4] ~= ST.HELD then return 'EXPIRED' end
if f[2] <= now then return 'DUE' end
if f[2] >= nexp then return 'SAME' end
redis.call('HSET', k, 'exp', nexp)
redis.call('ZADD', KEYS[2], nms, f[3])
if mode == 'local' then
  local sd = split(f[5], '\n')
  for i = 1, #sd do redis.call('ZADD', sd[i], nms, k) end
end
emit(KEYS[3], f[3], ARGV[5])
return 'OK'
