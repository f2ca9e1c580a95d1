-- Retention (StockStorage.purgeReservations) of one bucket: headers in a final state (HEADER_FINAL,
-- generated from the Java HeaderState: EXPIRED, RELEASED, FULFILLED, ABORTED) last changed before
-- the bound. Entries of the done index whose header is gone or no longer final (an ABORTED header
-- restarted by a new attempt) are dropped from the index.
-- KEYS[1] = done index of the bucket (members: ids; score = seconds part of the time encoding of
--           the final change, see index_done in lib.lua)
-- ARGV: op, bound (time, exclusive), bound score (inclusive pre-filter), limit, header key prefix of
--       the bucket (header key = prefix .. raw id; undeclared keys of the same slot)
--   list            -> {id, merged ('1' | '0'), lines, attempt, ...}: the candidates, nothing deleted
--   delete id...    -> number of headers deleted (ARGV[6..]; each checked again: final and old)
local idx, op, bound, prefix = KEYS[1], ARGV[1], ARGV[2], ARGV[5]
if op == 'list' then
  local ids = redis.call('ZRANGEBYSCORE', idx, '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
  local out = {}
  for i = 1, #ids do
    local f = redis.call('HMGET', prefix .. ids[i], 'st', 'up', 'ps', 'lines', 'att')
    if not f[1] or not HEADER_FINAL[f[1]] then
      redis.call('ZREM', idx, ids[i])
    elseif f[2] < bound then
      out[#out + 1] = ids[i]
      out[#out + 1] = f[3] and '1' or '0'
      out[#out + 1] = f[4] or ''
      out[#out + 1] = f[5] or '1'
    end
  end
  return out
elseif op == 'delete' then
  local n = 0
  for i = 6, #ARGV do
    local h = prefix .. ARGV[i]
    local f = redis.call('HMGET', h, 'st', 'up')
    if f[1] and HEADER_FINAL[f[1]] and f[2] < bound then
      redis.call('DEL', h)
      redis.call('ZREM', idx, ARGV[i])
      n = n + 1
    end
  end
  return n
end
return redis.error_reply('unknown purge op ' .. tostring(op))
