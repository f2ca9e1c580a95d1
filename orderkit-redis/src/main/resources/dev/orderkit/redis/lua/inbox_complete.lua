-- Inbox complete (InboxStore.complete): marks the message done (keeping a first completion time)
-- and indexes it for purge. KEYS[1] = message record, KEYS[2] = done index of its bucket;
-- ARGV[1] = now (time), ARGV[2] = now (epoch ms, the index score) -> 1 if newly completed, else 0
if redis.call('HEXISTS', KEYS[1], 'done') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'done', ARGV[1], 'lease', '')
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
return 1
