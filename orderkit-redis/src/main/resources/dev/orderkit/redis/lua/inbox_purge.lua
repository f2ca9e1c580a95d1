-- Inbox purge (InboxStore.purgeCompleted) of one bucket: deletes records completed strictly before
-- the bound. KEYS[1] = done index of the bucket (members: record keys of the same slot, score =
-- completion ms); ARGV[1] = bound (epoch ms, inclusive pre-filter), ARGV[2] = bound (time,
-- exclusive, exact), ARGV[3] = limit -> number of records deleted
local idx = KEYS[1]
local cands = redis.call('ZRANGEBYSCORE', idx, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for i = 1, #cands do
  local done = redis.call('HGET', cands[i], 'done')
  if not done then
    redis.call('ZREM', idx, cands[i])
  elseif done < ARGV[2] then
    redis.call('DEL', cands[i])
    redis.call('ZREM', idx, cands[i])
    n = n + 1
  end
end
return n
