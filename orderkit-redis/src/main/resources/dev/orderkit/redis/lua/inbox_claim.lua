-- Inbox claim (InboxStore.claim). A message record hash: lease (time; '' = released), done (time),
-- cn (nonce of the claim call that set the current lease).
-- KEYS[1] = message record; ARGV[1] = now, ARGV[2] = leaseUntil (fixed-width times, see Codec.time),
-- ARGV[3] = nonce, unique per claim() call: the same call sent again (a client re-sending the script
-- after a lost reply, e.g. JedisCluster's retry) is ACQUIRED again instead of IN_PROGRESS against itself
-- -> {'ACQUIRED'} | {'IN_PROGRESS'} | {'DONE'}
local r = redis.call('HMGET', KEYS[1], 'lease', 'done', 'cn')
if r[2] then return {'DONE'} end
if r[3] == ARGV[3] and r[1] and r[1] ~= '' then return {'ACQUIRED'} end
if r[1] and r[1] ~= '' and r[1] > ARGV[1] then return {'IN_PROGRESS'} end
redis.call('HSET', KEYS[1], 'lease', ARGV[2], 'cn', ARGV[3])
return {'ACQUIRED'}
