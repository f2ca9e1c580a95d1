-- orderkit-redis shared Lua helpers, prepended to every script at load time (after the prelude
-- LuaLifecycle generates from core's lifecycle table: ST, HEADER_DUE, VERDICT, PART_OPS).
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

-- Applies a part operation (PART_OPS, generated from core's ReservationTransition) to one
-- reservation part (the lines of a reservation living in one slot). This function only interprets
-- the rows: the verdict, the next state, the level deltas and the movement all come from the table.
-- ops: commit, release, fulfil, expire (under a decided header), expire_due (lazy expiry, at the
--      part's own expiry), undo (compensation of an unfinished reserve: tombstone even if missing)
-- returns 'OK', 'NOOP', 'MISSING' or 'STATE:<state>' (refused)
local function apply_part(part, op, now)
  local rules = PART_OPS[op]
  if not rules then return redis.error_reply('unknown part op ' .. tostring(op)) end
  local p = redis.call('HMGET', part, 'st', 'exp', 'id', 'lv', 'mv', 'du', 'q')
  local st = p[1]
  if not st then
    if rules.tombstone then
      redis.call('HSET', part, 'st', ST.UNDONE, 'ts', now)
      redis.call('PEXPIRE', part, TOMBSTONE_MS)
    end
    return 'MISSING'
  end
  local due = rules.clock == 'due' or (rules.clock == 'part' and p[2] <= now)
  local row = rules[due and 'due' or 'live'][st]
  if not row then return redis.error_reply('unknown part state ' .. tostring(st)) end
  if row.v == VERDICT.UNCHANGED then return 'NOOP' end
  if row.v ~= VERDICT.APPLY then return 'STATE:' .. st end
  if row.reason then
    local lv, mv, q = split(p[4], '\n'), split(p[5], '\n'), split(p[7], '\n')
    for i = 1, #lv do
      local n = tonumber(q[i])
      move(lv[i], mv[i], row.on * n, row.res * n, row.reason, p[3], now)
    end
  end
  redis.call('HSET', part, 'st', row.to, 'ts', now)
  if row.unindex then
    local du = split(p[6], '\n')
    for i = 1, #du do redis.call('ZREM', du[i], part) end
  end
  if row.ttl then redis.call('PEXPIRE', part, TOMBSTONE_MS) end
  return 'OK'
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
  redis.call('HSET', part, 'st', ST.HELD, 'exp', exp, 'id', id, 'lv', table.concat(lv, '\n'),
    'mv', table.concat(mv, '\n'), 'du', table.concat(dues, '\n'), 'q', table.concat(q, '\n'), 'ts', now,
    'att', att)
  return {'OK'}
end
