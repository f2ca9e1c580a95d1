-- Idempotency records. A record hash: fp, rid, tok, lease (time; '' = released), resp, ret (time),
-- cn (nonce of the claim call that acquired the current lease), crs (its resumed flag).
-- claim:    KEYS record, retainIndex; ARGV 'claim' fingerprint resourceId now leaseUntil nonce
--           -> {'ACQUIRED', token, resourceId, resumed(0/1)} | {'MISMATCH', fp} | {'COMPLETED', rid, resp}
--              | {'INPROGRESS', leaseUntil}
--           The nonce is unique per claim() call: the same call sent again (a client re-sending the
--           script after a lost reply, e.g. JedisCluster's retry) gets its own ACQUIRED again instead
--           of INPROGRESS against itself.
-- complete: KEYS record, retainIndex; ARGV 'complete' token response now retainUntil retainUntilMs -> {'OK'} | {'LOST'}
--           The same call sent again (same token, response and retainUntil on the completed record)
--           answers OK again and writes nothing.
-- release:  KEYS record, retainIndex; ARGV 'release' token -> {'OK'} | {'LOST'}
-- purge:    KEYS retainIndex; ARGV 'purge' nowms now limit -> number deleted
local op = ARGV[1]
if op == 'purge' then
  local idx = KEYS[1]
  local keys = redis.call('ZRANGEBYSCORE', idx, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
  local n = 0
  for i = 1, #keys do
    local r = redis.call('HMGET', keys[i], 'resp', 'ret')
    if not r[1] then
      redis.call('ZREM', idx, keys[i])
    elseif r[2] <= ARGV[3] then
      redis.call('DEL', keys[i])
      redis.call('ZREM', idx, keys[i])
      n = n + 1
    end
  end
  return n
end
local rec, idx = KEYS[1], KEYS[2]
local r = redis.call('HMGET', rec, 'fp', 'rid', 'tok', 'lease', 'resp', 'ret', 'cn', 'crs')
if op == 'claim' then
  local fp, rid, now, leaseUntil, nonce = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  if (not r[1]) or (r[5] and r[6] <= now) then
    redis.call('DEL', rec)
    redis.call('ZREM', idx, rec)
    redis.call('HSET', rec, 'fp', fp, 'rid', rid, 'tok', 1, 'lease', leaseUntil, 'cn', nonce, 'crs', '0')
    return {'ACQUIRED', '1', rid, '0'}
  end
  if r[1] ~= fp then return {'MISMATCH', r[1]} end
  if r[5] then return {'COMPLETED', r[2], r[5]} end
  if r[7] == nonce and r[4] ~= '' then return {'ACQUIRED', r[3], r[2], r[8]} end
  if r[4] ~= '' and r[4] > now then return {'INPROGRESS', r[4]} end
  local tok = redis.call('HINCRBY', rec, 'tok', 1)
  redis.call('HSET', rec, 'lease', leaseUntil, 'cn', nonce, 'crs', '1')
  return {'ACQUIRED', tostring(tok), r[2], '1'}
end
if op == 'complete' and r[5] and r[3] == ARGV[2] and r[5] == ARGV[3] and r[6] == ARGV[5] then
  return {'OK'}
end
if (not r[1]) or r[5] or r[3] ~= ARGV[2] then return {'LOST'} end
if op == 'complete' then
  redis.call('HSET', rec, 'resp', ARGV[3], 'lease', ARGV[4], 'ret', ARGV[5])
  redis.call('ZADD', idx, ARGV[6], rec)
  return {'OK'}
elseif op == 'release' then
  redis.call('HSET', rec, 'lease', '')
  return {'OK'}
end
return redis.error_reply('unknown idempotency op ' .. tostring(op))
