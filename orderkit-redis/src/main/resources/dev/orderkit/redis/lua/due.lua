-- Due entries of one bucket: ids whose index score <= nowms and whose header is due at now, as
-- HEADER_DUE (generated from the Java HeaderState) says: 'at_expiry' states once expiresAt <= now,
-- 'now' states (an unfinished step, indexed at score 0) at once; entries of other or missing
-- headers are dropped from the index.
-- KEYS[1] = due index, ARGV: nowms, now, limit, header key prefix of the bucket (header key = prefix .. raw id)
-- returns {id, score, id, score, ...}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i = 1, #ids, 2 do
  local h = redis.call('HMGET', ARGV[4] .. ids[i], 'st', 'exp')
  local due = h[1] and HEADER_DUE[h[1]]
  if due == 'now' or (due == 'at_expiry' and h[2] <= ARGV[2]) then
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
  elseif not due then
    redis.call('ZREM', KEYS[1], ids[i])
  end
end
return out
