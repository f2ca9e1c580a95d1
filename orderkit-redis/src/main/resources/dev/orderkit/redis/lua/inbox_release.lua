-- Inbox release (InboxStore.release): ends the lease of a message not yet done.
-- KEYS[1] = message record -> 1 if released, 0 if absent or done
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'done') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'lease', '')
return 1
