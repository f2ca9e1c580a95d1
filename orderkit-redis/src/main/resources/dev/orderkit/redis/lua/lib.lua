-- orderkit-redis shared Lua helpers, prepended to every script at load time.
-- Times are fixed-width digit strings (see Codec.time): plain string comparison orders them.
-- Movement entries: "onHandDelta|reservedDelta|REASON|time|reference".

local function split(s, sep)
  local out = {}
  if s == nil or s == false or s == '' then return out end
  local start = 1
  while true do
    local i = string.find(s, sep, start, true)
    if not i then
      out[#out + 1] = string.sub(s, start)
      return out
    end
    out[#out + 1] = string.sub(s, start, i - 1)
    start = i + #sep
  end
end

-- appends a movement and applies it to the level hash
local function move(level, mv, dOn, dRes, reason, ref, now)
  if dOn ~= 0 then redis.call('HINCRBY', level, 'oh', dOn) end
  if dRes ~= 0 then redis.call('HINCRBY', level, 'rs', dRes) end
  redis.call('HINCRBY', level, 'v', 1)
  redis.call('HSET', level, 'ts', now)
  redis.call('RPUSH', mv, dOn .. '|' .. dRes .. '|' .. reason .. '|' .. now .. '|' .. ref)
end

-- Applies op to one reservation part (the lines of a reservation living in one slot).
-- ops: commit (HELD -> COMMITTED: the header decided, guarded by its expiry, before any part is
--      committed), release, expire (any HELD/COMMITTED part: only under an EXPIRING header, a
--      COMMITTED part only when a commit is rolled back), expire_due (lazy expiry: only a HELD part
--      due at now), undo (rollback of an unfinished reserve: tombstone even if the part is missing),
--      fulfil.
-- returns 'OK', 'NOOP', 'MISSING' or 'STATE:<state>'
local function apply_part(part, op, now)
  local p = redis.call('HMGET', part, 'st', 'exp', 'id', 'lv', 'mv', 'du', 'q')
  local st = p[1]
  if not st then
    if op == 'undo' then
      redis.call('HSET', part, 'st', 'UNDONE', 'ts', now)
      redis.call('PEXPIRE', part, 86400000)
    end
    return 'MISSING'
  end
  local id = p[3]
  local lv, mv, du, q = split(p[4], '\n'), split(p[5], '\n'), split(p[6], '\n'), split(p[7], '\n')
  local function unindex()
    for i = 1, #du do redis.call('ZREM', du[i], part) end
  end
  local function give_back(reason, newState)
    for i = 1, #lv do move(lv[i], mv[i], 0, -tonumber(q[i]), reason, id, now) end
    redis.call('HSET', part, 'st', newState, 'ts', now)
    unindex()
  end
  if op == 'commit' then
    if st == 'COMMITTED' then return 'NOOP' end
    if st ~= 'HELD' then return 'STATE:' .. st end
    redis.call('HSET', part, 'st', 'COMMITTED', 'ts', now)
    unindex()
    return 'OK'
  elseif op == 'release' or op == 'expire' or op == 'expire_due' or op == 'undo' then
    if st == 'RELEASED' or st == 'EXPIRED' or st == 'UNDONE' then return 'NOOP' end
    if st == 'FULFILLED' then return 'STATE:' .. st end
    if op == 'expire_due' and (st ~= 'HELD' or p[2] > now) then return 'NOOP' end
    if op == 'release' then
      give_back('RELEASE', 'RELEASED')
    elseif op == 'undo' then
      give_back('RELEASE', 'UNDONE')
      redis.call('PEXPIRE', part, 86400000)
    else
      give_back('EXPIRE', 'EXPIRED')
    end
    return 'OK'
  elseif op == 'fulfil' then
    if st == 'FULFILLED' then return 'NOOP' end
    if st ~= 'COMMITTED' then return 'STATE:' .. st end
    for i = 1, #lv do
      local n = tonumber(q[i])
      move(lv[i], mv[i], -n, -n, 'FULFIL', id, now)
    end
    redis.call('HSET', part, 'st', 'FULFILLED', 'ts', now)
    return 'OK'
  end
  return redis.error_reply('unknown part op ' .. tostring(op))
end

-- lazily expires HELD parts indexed in a SKU's due set whose expiry is <= now
local function expire_due_parts(due, now, nowms)
  local victims = redis.call('ZRANGEBYSCORE', due, '-inf', nowms, 'LIMIT', 0, 100)
  for i = 1, #victims do
    local r = apply_part(victims[i], 'expire_due', now)
    if r == 'MISSING' then redis.call('ZREM', due, victims[i]) end
  end
end

-- Holds all lines of one part or none. lines: arrays lv, mv, du, q (strings).
-- returns {'OK'} | {'EXISTS', state} | {'UNKNOWN', lineIndex...} | {'SHORT', lineIndex, available, ...}
local function hold_part(part, lv, mv, du, q, id, now, exp, expms, nowms, checkOnly, att)
  if not checkOnly then
    local existing = redis.call('HGET', part, 'st')
    if existing then return {'EXISTS', existing} end
  end
  local seen, dues = {}, {}
  for i = 1, #lv do
    if not seen[du[i]] then
      seen[du[i]] = true
      dues[#dues + 1] = du[i]
      expire_due_parts(du[i], now, nowms)
    end
  end
  local missing, short = {}, {}
  for i = 1, #lv do
    local v = redis.call('HMGET', lv[i], 'oh', 'rs')
    if not v[1] then
      missing[#missing + 1] = tostring(i)
    else
      local avail = tonumber(v[1]) - tonumber(v[2])
      if avail < tonumber(q[i]) then
        short[#short + 1] = tostring(i)
        short[#short + 1] = tostring(avail)
      end
    end
  end
  if #missing > 0 then
    table.insert(missing, 1, 'UNKNOWN')
    return missing
  end
  if #short > 0 then
    table.insert(short, 1, 'SHORT')
    return short
  end
  if checkOnly then return {'OK'} end
  for i = 1, #lv do move(lv[i], mv[i], 0, tonumber(q[i]), 'RESERVE', id, now) end
  for i = 1, #dues do redis.call('ZADD', dues[i], expms, part) end
  redis.call('HSET', part, 'st', 'HELD', 'exp', exp, 'id', id, 'lv', table.concat(lv, '\n'),
    'mv', table.concat(mv, '\n'), 'du', table.concat(dues, '\n'), 'q', table.concat(q, '\n'), 'ts', now,
    'att', att)
  return {'OK'}
end
