-- Inbox claim (InboxStore.claim). A message record hash: lease (time; '' = released), done (time).
-- KEYS[1] = message record; ARGV[1] = now, ARGV[2] = leaseUntil (fixed-width times, see Codec.time)
-- -> {'ACQUIRED'} | {'IN_PROGRESS'} | {'DONE'}
local r = redis.call('HMGET', KEYS[1], 'lease', 'done')
if r[2] then return {'DONE'} end
if r[1] and r[1] ~= '' and r[1] > ARGV[1] then return {'IN_PROGRESS'} end
redis.call('HSET', KEYS[1], 'lease', ARGV[2])
return {'ACQUIRED'}
