-- Due holds of some SKUs, from their due sets (P{s:SKU}:due; members = part keys, a standalone
-- record's part being its header hash; score = expiry ms). Cluster: the sets of one slot per call.
-- A member is answered (its reservation id) when its part is HELD and due at now, as its own
-- 'exp' says; a member whose part is gone or no longer HELD is dropped from the set.
-- KEYS = the due sets; ARGV: nowms, now, limit per set
-- returns {id, ...} (an id may repeat across sets)
local out = {}
for k = 1, #KEYS do
  local members = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
  for i = 1, #members do
    local p = redis.call('HMGET', members[i], 'st', 'exp', 'id', 'ps')
    local st = p[4] or p[1]
    if st == ST.HELD then
      if p[2] <= ARGV[2] then out[#out + 1] = p[3] end
    else
      redis.call('ZREM', KEYS[k], members[i])
    end
  end
end
return out
