-- Idempotency records: storage only. Core (spi.ClaimTable) decides every answer; these scripts
-- insert a record if absent, replace it if its version is unchanged, and purge completed records
-- whose retention ended. A record hash: fp, rid, cl (claimant), tok, rs (resumed 0/1), ver, lease
-- (time; absent = none), resp + ret (time) once completed. Records written before versions existed
-- have no ver: their tok stands for it.
-- insert:  KEYS record, retainIndex; ARGV 'insert' <record> -> 1 | 0 (a record exists, unchanged)
-- replace: KEYS record, retainIndex; ARGV 'replace' expectedVersion <record> -> 1 | 0 (gone or
--          another version, unchanged)
--          <record> = fp rid cl tok rs ver lease completed(0/1) resp ret retMs ('' where absent)
-- purge:   KEYS retainIndex; ARGV 'purge' nowms now limit -> number deleted
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
local function write(a)
  redis.call('DEL', rec)
  redis.call('HSET', rec, 'fp', ARGV[a], 'rid', ARGV[a + 1], 'cl', ARGV[a + 2], 'tok', ARGV[a + 3],
    'rs', ARGV[a + 4], 'ver', ARGV[a + 5])
  if ARGV[a + 6] ~= '' then redis.call('HSET', rec, 'lease', ARGV[a + 6]) end
  if ARGV[a + 7] == '1' then
    redis.call('HSET', rec, 'resp', ARGV[a + 8], 'ret', ARGV[a + 9])
    redis.call('ZADD', idx, ARGV[a + 10], rec)
  else
    redis.call('ZREM', idx, rec)
  end
  return 1
end
if op == 'insert' then
  if redis.call('EXISTS', rec) == 1 then return 0 end
  return write(2)
elseif op == 'replace' then
  local v = redis.call('HGET', rec, 'ver') or redis.call('HGET', rec, 'tok')
  if v ~= ARGV[2] then return 0 end
  return write(3)
end
return redis.error_reply('unknown idempotency op ' .. tostring(op))
