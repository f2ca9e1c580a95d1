-- Upgrade of held vs committed: counts one reservation part committed before levels tracked their
-- committed units (it has no 'cc' flag) into the 'cm' field of its levels, and flags it, so its
-- release or fulfilment later subtracts it again (see apply_part in lib.lua). Idempotent: a flagged
-- part, or a part in any other state, is left as it is.
-- KEYS[1] = a part key, or a standalone header (a merged record: the part's state is 'ps')
-- returns 1 if the part was counted now, else 0
local p = redis.call('HMGET', KEYS[1], 'st', 'ps', 'cc', 'lv', 'q')
local st = p[2] or p[1]
if st ~= ST.COMMITTED or p[3] or not p[4] then return 0 end
local lv, q = split(p[4], '\n'), split(p[5], '\n')
for i = 1, #lv do redis.call('HINCRBY', lv[i], 'cm', tonumber(q[i])) end
redis.call('HSET', KEYS[1], 'cc', '1')
return 1
