-- Due entries of one bucket: ids whose index score <= nowms and whose header is due at now
-- (HELD/PENDING with expiresAt <= now, or an unfinished COMMITTING/EXPIRING/RELEASING/FULFILLING/ABORTING
-- step, indexed at score 0).
-- KEYS[1] = due index, ARGV: nowms, now, limit, header key prefix of the bucket (header key = prefix .. raw id)
-- returns {id, score, id, score, ...}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i = 1, #ids, 2 do
  local h = redis.call('HMGET', ARGV[4] .. ids[i], 'st', 'exp')
  if not h[1] then
    redis.call('ZREM', KEYS[1], ids[i])
  elseif h[1] == 'HELD' or h[1] == 'PENDING' then
    if h[2] <= ARGV[2] then
      out[#out + 1] = ids[i]
      out[#out + 1] = ids[i + 1]
    end
  elseif h[1] == 'RELEASING' or h[1] == 'FULFILLING' or h[1] == 'ABORTING' or h[1] == 'COMMITTING'
      or h[1] == 'EXPIRING' then
    out[#out + 1] = ids[i]
    out[#out + 1] = ids[i + 1]
  else
    redis.call('ZREM', KEYS[1], ids[i])
  end
end
return out
