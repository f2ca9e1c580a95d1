-- Batch expiry of HELD and due reservations, one script per slot (see RedisStockStorage.expireAll).
-- Each reservation is decided on its header as read in this script (HELD and exp <= now, the
-- lifecycle row of an expiry, as the header compare-and-set 'cas ... due' of header.lua decides),
-- so of a racing commit's claim (HELD -> COMMITTING, guarded 'live') and this one exactly one applies.
-- A repeat of a call (a retry after a lost reply, same now) recognises its own writes by the
-- header's 'up' = now and answers as the first run did, changing nothing more.
-- ARGV[1] = mode, ARGV[2] = now (time); KEYS as the mode says. Modes local and finish: ARGV[2 + j] =
-- the RESERVATION_EXPIRED event (JSON) of the j-th reservation, appended to its bucket's outbox
-- stream when this call moves its header to EXPIRED.
--   local  (standalone, merged records) KEYS: header, bucket due index, bucket done index, bucket
--          outbox stream per reservation (the done index lists final headers for the retention
--          purge, see index_done).
--          A due HELD record is expired completely (part, levels, movements, SKU due sets, header
--          EXPIRED, out of its bucket index), as transition(EXPIRE) would do in two scripts.
--          per reservation: 'E', lines, exp, cr (expired) | 'X' (an unfinished step, a saga or a
--          record this mode does not handle: Java runs transition(EXPIRE)) | 'N' (left as it is)
--   claim  (cluster, the headers of one slot) KEYS: header, bucket due index, bucket done index, bucket
--          outbox stream per reservation.
--          A due HELD header moves to EXPIRING (indexed due now, so the sweeper finishes it if the
--          caller dies). per reservation: 'C', lines, exp, cr, att | 'X' | 'N'
--   parts  (cluster, the parts of one slot) KEYS: parts. Applies the decided part expiry to each.
--          per part: apply_part's answer
--   finish (cluster, the headers of one slot) KEYS: header, bucket due index, bucket done index, bucket
--          outbox stream per reservation.
--          EXPIRING -> EXPIRED, out of the bucket index. per reservation: 'OK' | 'N'
local mode, now = ARGV[1], ARGV[2]
local out = {}
local function needs_transition(st, exp)
  local due = HEADER_DUE[st]
  return due == 'now' or (st == ST.PENDING and exp <= now)
end
if mode == 'local' or mode == 'claim' then
  for k = 1, #KEYS, 4 do
    local h, idx, done, ob, ev = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], ARGV[2 + (k + 3) / 4]
    local f = redis.call('HMGET', h, 'st', 'exp', 'id', 'lines', 'cr', 'att', 'ps', 'up')
    local st, exp = f[1], f[2]
    local mine = f[8] == now and (st == ST.EXPIRED or (mode == 'claim' and st == ST.EXPIRING))
    if mine and mode == 'local' then
      out[#out + 1] = 'E'
      out[#out + 1] = f[4]
      out[#out + 1] = exp
      out[#out + 1] = f[5]
    elseif mine then
      out[#out + 1] = 'C'
      out[#out + 1] = f[4]
      out[#out + 1] = exp
      out[#out + 1] = f[5]
      out[#out + 1] = f[6]
    elseif st == ST.HELD and exp <= now and (mode == 'claim') == (f[7] == false) then
      if mode == 'local' then
        local r = apply_part(h, 'expire', now, ST.HELD, {'st', ST.EXPIRED, 'up', now})
        if r == 'NOOP' then
          redis.call('HSET', h, 'st', ST.EXPIRED, 'up', now) -- its part was expired lazily already
        end
        if r == 'OK' or r == 'NOOP' then
          redis.call('ZREM', idx, f[3])
          index_done(done, f[3], ST.EXPIRED, now)
          emit(ob, f[3], ev)
          out[#out + 1] = 'E'
          out[#out + 1] = f[4]
          out[#out + 1] = exp
          out[#out + 1] = f[5]
        else
          out[#out + 1] = 'X' -- a part this code never leaves so: transition(EXPIRE) reports it
        end
      else
        redis.call('HSET', h, 'st', ST.EXPIRING, 'up', now)
        redis.call('ZADD', idx, 0, f[3])
        out[#out + 1] = 'C'
        out[#out + 1] = f[4]
        out[#out + 1] = exp
        out[#out + 1] = f[5]
        out[#out + 1] = f[6]
      end
    elseif st and (needs_transition(st, exp) or st == ST.HELD and exp <= now) then
      out[#out + 1] = 'X'
    else
      out[#out + 1] = 'N'
    end
  end
elseif mode == 'parts' then
  for k = 1, #KEYS do
    out[#out + 1] = apply_part(KEYS[k], 'expire', now)
  end
elseif mode == 'finish' then
  for k = 1, #KEYS, 4 do
    local h, idx, done, ob, ev = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], ARGV[2 + (k + 3) / 4]
    local f = redis.call('HMGET', h, 'st', 'id')
    if f[1] == ST.EXPIRING then
      redis.call('HSET', h, 'st', ST.EXPIRED, 'up', now)
      redis.call('ZREM', idx, f[2])
      index_done(done, f[2], ST.EXPIRED, now)
      emit(ob, f[2], ev)
      out[#out + 1] = 'OK'
    else
      out[#out + 1] = 'N'
    end
  end
else
  return redis.error_reply('unknown expire_batch mode ' .. tostring(mode))
end
return out
