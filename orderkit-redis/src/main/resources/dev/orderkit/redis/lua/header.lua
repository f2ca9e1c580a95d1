-- Reservation header operations (the header lives in its id bucket's slot with the bucket's due index).
-- KEYS[1] = header, KEYS[2] = due index of the bucket (members: reservation ids), KEYS[3] = done index
-- of the bucket (final states, for the retention purge; see index_done in lib.lua), KEYS[4] = the
-- outbox stream of the bucket
-- ARGV[1] = op:
--   begin  id lines expiresAt expiresAtMs now parts  -> {'NEW', attempt} | {'EXISTS', field, value, ...}
--          (restarts an ABORTED header with attempt + 1)
--   cas    fromStates(comma) toState now indexScore guard event -> {'OK'} | {'STATE', state} | {'GUARD', state}
--          indexScore: '-' removes the id from the due index, otherwise (re)indexes it at that score
--          guard: '' none, 'due' only if exp <= now (expiry), 'live' only if exp > now (commit),
--          'cover' only if every level of a merged record (fields lv, q) has the on-hand units its
--          lines ship (fulfil; see cover in lib.lua), else {'SHORT:..'}; a failed guard changes nothing
--          event (optional): the event of reaching toState (STOCK_RESERVED of PENDING -> HELD, the
--          transition's event of a final state), appended when this call moves the header into it
local h, due, op = KEYS[1], KEYS[2], ARGV[1]
if op == 'begin' then
  local st = redis.call('HGET', h, 'st')
  local att = 1
  if st and st ~= ST.ABORTED then
    local all = redis.call('HGETALL', h)
    table.insert(all, 1, 'EXISTS')
    return all
  end
  if st == ST.ABORTED then
    att = tonumber(redis.call('HGET', h, 'att')) + 1
    redis.call('DEL', h)
  end
  local id, now = ARGV[2], ARGV[6]
  redis.call('HSET', h, 'st', ST.PENDING, 'id', id, 'lines', ARGV[3], 'exp', ARGV[4], 'cr', now, 'up', now,
    'parts', ARGV[7], 'att', att)
  redis.call('ZADD', due, ARGV[5], id)
  return {'NEW', tostring(att)}
elseif op == 'cas' then
  local f = redis.call('HMGET', h, 'st', 'exp', 'id')
  local st, exp, id = f[1], f[2], f[3]
  if not st then return {'STATE', ''} end
  local ok = false
  for s in string.gmatch(ARGV[2], '[^,]+') do
    if s == st then ok = true end
  end
  if not ok then return {'STATE', st} end
  local guard = ARGV[6] or ''
  if guard == 'cover' then
    local f2 = redis.call('HMGET', h, 'lv', 'q')
    local _, short = cover(split(f2[1], '\n'), split(f2[2], '\n'))
    if short then return {short} end
  elseif guard ~= '' then
    if (guard == 'due' and exp > ARGV[4]) or (guard == 'live' and exp <= ARGV[4]) then
      return {'GUARD', st}
    end
  end
  redis.call('HSET', h, 'st', ARGV[3], 'up', ARGV[4])
  if ARGV[5] == '-' then
    redis.call('ZREM', due, id)
  else
    redis.call('ZADD', due, ARGV[5], id)
  end
  index_done(KEYS[3], id, ARGV[3], ARGV[4])
  if st ~= ARGV[3] then emit(KEYS[4], id, ARGV[7]) end
  return {'OK'}
end
return redis.error_reply('unknown header op ' .. tostring(op))
