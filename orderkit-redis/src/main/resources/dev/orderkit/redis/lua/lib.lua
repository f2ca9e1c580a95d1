-- orderkit-redis shared Lua helpers, prepended to every script at load time (after the prelude
-- LuaLifecycle generates from core's lifecycle table: ST, HEADER_DUE, VERDICT, PART_OP(op)).
-- Times are fixed-width digit strings (see Codec.time): plain string comparison orders them.
-- Movement entries: "onHandDelta|reservedDelta|REASON|time|reference".

-- Outbox (see outbox.lua and RedisOutboxStore): appends the event of a change applied by this
-- script to its outbox stream, in the same script as the change (one XADD; fields a = aggregate
-- id, e = event JSON built by the caller with core's StockEvents / EventJson). No event ('' or
-- absent) appends nothing: callers pass one only for a change they may apply, and call this only
-- where the script applied it, so a repeated script (which finds its change applied) appends none.
local function emit(stream, aggregate, json)
  if stream and json and json ~= '' then redis.call('XADD', stream, '*', 'a', aggregate, 'e', json) end
end

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

-- Retention: a header that reached a final state (HEADER_FINAL) is indexed in its bucket's done
-- index (done = its key, same slot as the header; score = the seconds part of the time encoding of
-- now), where purge_reservations.lua finds it once it is old. A restarted (ABORTED) header keeps its
-- entry; the purge drops entries whose header is no longer final.
local function index_done(done, id, st, now)
  if HEADER_FINAL[st] then redis.call('ZADD', done, tonumber(string.sub(now, 1, 12)), id) end
end

-- A level's backorder / preorder allowance at now (StockPolicy): fields 'pl' (limit; absent = none)
-- and 'pu' (end of a preorder's allowance, exclusive, a time string; absent = no end).
local function allowance(pl, pu, now)
  if not pl or (pu and pu <= now) then return 0 end
  return tonumber(pl)
end
-- Drift check (StockLedger.verify): P{s:SKU}:act is the set of the active (HELD / COMMITTED) holds with
-- a line on the SKU (part keys; merged records: header keys), kept next to the SKU's due set (same
-- slot): added when a hold is made, removed when its part leaves HELD / COMMITTED (apply_part).
local function active_set(due) return string.sub(due, 1, -4) .. 'act' end

-- Hot-SKU batch write buffer (reserve_batch.lua; nil everywhere else). While a batch runs, the
-- members' level reads come from the rows earlier members read or wrote (check_levels), and their
-- level writes, movement appends and SKU index entries are collected here and written by
-- batch_flush at the end of the script: one HSET per level, one RPUSH, ZADD and SADD per key for
-- the whole batch instead of one of each per member. The script is atomic, so nothing can read
-- between a member and the flush; code that reads those keys itself (the lazy expiry on a short
-- member) flushes first and runs unbuffered (see reserve_one).
-- As a Redis function (see Redis.java) the library's top level runs once, so B outlives a call:
-- every function starts with begin_call(), which drops whatever a call that failed half-way left.
local B = nil

local function begin_call() B = nil end

local function batch_begin()
  B = {rows = {}, dirty = {}, dirtyOrder = {}, lists = {}, listOrder = {}, zs = {}, zOrder = {}, sets = {},
    setOrder = {}}
end

-- appends values to the buffered arguments of key k in group g (keys remembered in first-use order)
local function buffer(g, order, k, a, b)
  local t = g[k]
  if not t then
    t = {}
    g[k] = t
    order[#order + 1] = k
  end
  t[#t + 1] = a
  if b ~= nil then t[#t + 1] = b end
end

-- writes a variadic command per buffered key, in chunks well below Lua's unpack limit
local function write_chunks(cmd, g, order)
  for _, k in ipairs(order) do
    local t = g[k]
    for i = 1, #t, 512 do
      redis.call(cmd, k, unpack(t, i, math.min(#t, i + 511)))
    end
  end
end

local function batch_flush()
  if not B then return end
  for _, level in ipairs(B.dirtyOrder) do
    local c, d = B.rows[level], B.dirty[level]
    if d.ne then
      redis.call('HSET', level, 'oh', c[1], 'rs', c[2], 'v', c[3], 'ts', d.ts, 'ne', c[4])
    else
      redis.call('HSET', level, 'oh', c[1], 'rs', c[2], 'v', c[3], 'ts', d.ts)
    end
  end
  write_chunks('RPUSH', B.lists, B.listOrder)
  write_chunks('ZADD', B.zs, B.zOrder)
  write_chunks('SADD', B.sets, B.setOrder)
  B.dirty, B.dirtyOrder, B.lists, B.listOrder, B.zs, B.zOrder, B.sets, B.setOrder = {}, {}, {}, {}, {}, {}, {}, {}
end

-- writes what the batch buffered and ends it
local function batch_end()
  batch_flush()
  B = nil
end

-- Applies a movement to a level whose fields cur = {oh, rs, v} (strings) were read in this script,
-- and appends it: one HSET (every changed field at once, and the next-expiry hint 'ne' when given)
-- and one RPUSH (in a batch: buffered, see B). Returns the new oh, rs, v.
local function move_read(level, mv, cur, dOn, dRes, reason, ref, now, ne)
  local oh, rs, v = tonumber(cur[1]) + dOn, tonumber(cur[2]) + dRes, tonumber(cur[3]) + 1
  if B and B.rows[level] == cur then
    local d = B.dirty[level]
    if not d then
      d = {}
      B.dirty[level] = d
      B.dirtyOrder[#B.dirtyOrder + 1] = level
    end
    d.ts = now
    if ne then
      d.ne = true
      cur[4] = ne
    end
    buffer(B.lists, B.listOrder, mv, dOn .. '|' .. dRes .. '|' .. reason .. '|' .. now .. '|' .. ref)
    return oh, rs, v
  end
  if ne then
    redis.call('HSET', level, 'oh', oh, 'rs', rs, 'v', v, 'ts', now, 'ne', ne)
  else
    redis.call('HSET', level, 'oh', oh, 'rs', rs, 'v', v, 'ts', now)
  end
  redis.call('RPUSH', mv, dOn .. '|' .. dRes .. '|' .. reason .. '|' .. now .. '|' .. ref)
  return oh, rs, v
end

-- appends a movement and applies it to the level hash (read, one write, one append)
local function move(level, mv, dOn, dRes, reason, ref, now)
  local c = redis.call('HMGET', level, 'oh', 'rs', 'v')
  return move_read(level, mv, {c[1] or 0, c[2] or 0, c[3] or 0}, dOn, dRes, reason, ref, now)
end

-- Whether the levels lv (keys) have the on-hand units q (same order; lines on one level summed) to
-- ship: an operation that takes units off on-hand (fulfil) never drives it below zero (a backorder
-- ships once restocks cover it). Reads each distinct level once (HMGET oh, rs, v) and returns the
-- rows read (level -> {oh, rs, v}) and nil when covered, or the reply 'SHORT:' followed by
-- "level<TAB>onHand" of every level, newline-separated (core computes the shortfalls from it).
local function cover(lv, q)
  local cur, need, order = {}, {}, {}
  for i = 1, #lv do
    if not need[lv[i]] then
      need[lv[i]] = 0
      order[#order + 1] = lv[i]
      local c = redis.call('HMGET', lv[i], 'oh', 'rs', 'v')
      cur[lv[i]] = {c[1] or 0, c[2] or 0, c[3] or 0}
    end
    need[lv[i]] = need[lv[i]] + tonumber(q[i])
  end
  local short = false
  for i = 1, #order do
    if tonumber(cur[order[i]][1]) < need[order[i]] then short = true end
  end
  if not short then return cur, nil end
  local out = {}
  for i = 1, #order do out[#out + 1] = order[i] .. '\t' .. cur[order[i]][1] end
  return cur, 'SHORT:' .. table.concat(out, '\n')
end

-- Applies a part operation (PART_OP(op), generated from core's ReservationTransition) to one
-- reservation part (the lines of a reservation living in one slot). This function only interprets
-- the rows: the verdict, the next state, the level deltas and the movement all come from the table.
-- A standalone reservation keeps its single part in its header hash (a "merged" record: the part's
-- state is the field 'ps', its due index is the header's bucket index, member = the id); there the
-- header's compare-and-set keeps the index; a lazily expired part re-indexes its (still HELD)
-- header at score -1: due for the sweeper, which completes it, and out of the range the next lazy
-- expiry scans (scores >= 0), so expired but unswept reservations do not crowd it.
-- ops: commit, release, fulfil, expire (under a decided header), expire_due (lazy expiry, at the
--      part's own expiry), undo (compensation of an unfinished reserve: tombstone even if missing)
-- A merged record is also indexed by SKU and expiry: member = the header key in the due set of each
-- SKU of its lines (P{s:SKU}:due, field 'sd' lists them); it leaves them when its part leaves HELD.
-- expect (optional, merged records): the header state the caller decided on; another one answers
-- 'HEADER:<state>' and changes nothing. extra (optional, merged records): header fields written by
-- the same HSET as the part's new state when the operation applies.
-- returns 'OK', 'NOOP', 'MISSING', 'STATE:<state>' (refused), 'HEADER:<state>' or 'SHORT:..' (see cover)
local function apply_part(part, op, now, expect, extra)
  local rules = PART_OP(op)
  if not rules then return redis.error_reply('unknown part op ' .. tostring(op)) end
  local p = redis.call('HMGET', part, 'st', 'exp', 'id', 'lv', 'mv', 'du', 'q', 'ps', 'sd', 'cc')
  local merged = p[8] ~= false
  if expect and p[1] ~= expect then return 'HEADER:' .. (p[1] or '') end
  local st = merged and p[8] or p[1]
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
  -- held vs committed: a part's units count in its levels' committed field ('cm') from the commit
  -- that sets the part's 'cc' flag; a part committed before committed was tracked has no flag, was
  -- never counted, and is not subtracted when it leaves COMMITTED (count_committed.lua counts it)
  local cm = row.cm
  if cm < 0 and not p[10] then cm = 0 end
  if row.reason or cm ~= 0 then
    local lv, mv, q = split(p[4], '\n'), split(p[5], '\n'), split(p[7], '\n')
    local cur = nil
    if row.on < 0 then -- ships: refused, nothing written, while a level is short (read once, moved from the read)
      local short
      cur, short = cover(lv, q)
      if short then return short end
    end
    for i = 1, #lv do
      local n = tonumber(q[i])
      if cur then
        local oh, rs, v = move_read(lv[i], mv[i], cur[lv[i]], row.on * n, row.res * n, row.reason, p[3], now)
        cur[lv[i]] = {oh, rs, v}
      elseif row.reason then
        move(lv[i], mv[i], row.on * n, row.res * n, row.reason, p[3], now)
      else
        redis.call('HINCRBY', lv[i], 'v', 1)
        redis.call('HSET', lv[i], 'ts', now)
      end
      if cm ~= 0 then redis.call('HINCRBY', lv[i], 'cm', cm * n) end
    end
  end
  if merged then
    local f = {'ps', row.to, 'ts', now}
    if cm > 0 then
      f[#f + 1] = 'cc'
      f[#f + 1] = '1'
    end
    if extra then
      for i = 1, #extra do f[#f + 1] = extra[i] end
    end
    redis.call('HSET', part, unpack(f))
    if op == 'expire_due' then redis.call('ZADD', p[6], 'XX', -1, p[3]) end
    if row.unindex and p[9] then
      local sd = split(p[9], '\n')
      for i = 1, #sd do redis.call('ZREM', sd[i], part) end
    end
    if row.to ~= ST.HELD and row.to ~= ST.COMMITTED and p[9] then
      local sd = split(p[9], '\n')
      for i = 1, #sd do redis.call('SREM', active_set(sd[i]), part) end
    end
    return 'OK'
  end
  if cm > 0 then
    redis.call('HSET', part, 'st', row.to, 'ts', now, 'cc', '1')
  else
    redis.call('HSET', part, 'st', row.to, 'ts', now)
  end
  if row.unindex then
    local du = split(p[6], '\n')
    for i = 1, #du do redis.call('ZREM', du[i], part) end
  end
  if row.to ~= ST.HELD and row.to ~= ST.COMMITTED then
    local du = split(p[6], '\n')
    for i = 1, #du do redis.call('SREM', active_set(du[i]), part) end
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

-- Reads the levels of the lines (one HMGET per distinct level) and checks that every line fits,
-- lines on the same level counted together, each level's policy allowance at now included. Returns
-- the levels read (level key -> {oh, rs, v, ne, cm, pl, pu})
-- and {'OK'} | {'UNKNOWN', lineIndex...} | {'SHORT', lineIndex, available, ...}.
local OK_REPLY = {'OK'} -- check_levels' answer when every line fits (never modified)
local function check_levels(lv, q, now)
  local cur, need = {}, nil
  local missing, short = nil, nil
  for i = 1, #lv do
    local c = cur[lv[i]]
    if not c and B then
      c = B.rows[lv[i]]
      cur[lv[i]] = c
    end
    if not c then
      c = redis.call('HMGET', lv[i], 'oh', 'rs', 'v', 'ne', 'cm', 'pl', 'pu')
      cur[lv[i]] = c
      if B and c[1] then B.rows[lv[i]] = c end
    end
    if not c[1] then
      missing = missing or {'UNKNOWN'}
      missing[#missing + 1] = tostring(i)
    else
      local qi = tonumber(q[i])
      local n = qi
      if #lv > 1 then -- lines on one level count together
        need = need or {}
        n = (need[lv[i]] or 0) + qi
        need[lv[i]] = n
      end
      local avail = tonumber(c[1]) - tonumber(c[2]) + allowance(c[6], c[7], now)
      if avail < n then
        short = short or {'SHORT'}
        short[#short + 1] = tostring(i)
        short[#short + 1] = tostring(avail - n + qi)
      end
    end
  end
  if missing then return cur, missing end
  if short then return cur, short end
  return cur, OK_REPLY
end

-- Writes the RESERVE movement of every line on the levels read by check_levels (levels shared by
-- several lines are updated in place). Returns {'OK', oh, rs, v, cm of line 1, ...}: each line's level
-- after the whole reservation. lowerNe: a known next-expiry hint ('ne') above expms is lowered to
-- it in the same write (an unknown one stays unknown).
local function hold_levels(lv, mv, q, cur, id, now, expms, lowerNe)
  for i = 1, #lv do
    local c = cur[lv[i]]
    local ne = nil
    if lowerNe and c[4] and (c[4] == 'none' or tonumber(c[4]) > tonumber(expms)) then
      ne = expms
      c[4] = expms
    end
    local oh, rs, v = move_read(lv[i], mv[i], c, 0, tonumber(q[i]), 'RESERVE', id, now, ne)
    c[1], c[2], c[3] = oh, rs, v
  end
  local out = {'OK'}
  for i = 1, #lv do
    local c = cur[lv[i]]
    out[#out + 1] = tostring(c[1])
    out[#out + 1] = tostring(c[2])
    out[#out + 1] = tostring(c[3])
    out[#out + 1] = tostring(c[5] or 0)
  end
  return out
end

-- the distinct values of t, in first-use order (t itself when it has one value)
local function distinct(t)
  if #t == 1 then return t end
  local out, seen = {}, {}
  for i = 1, #t do
    if not seen[t[i]] then
      seen[t[i]] = true
      out[#out + 1] = t[i]
    end
  end
  return out
end

-- t's values joined by newlines (a one-value t's value itself)
local function lines_of(t)
  if #t == 1 then return t[1] end
  return table.concat(t, '\n')
end

-- Holds all lines of one part or none (cluster: one slot). lines: arrays lv, mv, du, q (strings).
-- Due holds of the part's SKUs are expired lazily only when the stock is short (the only case in
-- which expiring them can change the answer), then the levels are checked again.
-- returns {'OK', levels...} | {'EXISTS', state} | {'UNKNOWN', lineIndex...} | {'SHORT', lineIndex, available, ...}
local function hold_part(part, lv, mv, du, q, id, now, exp, expms, nowms, checkOnly, att)
  if not checkOnly then
    local existing = redis.call('HGET', part, 'st')
    if existing then return {'EXISTS', existing} end
  end
  local dues = distinct(du)
  local cur, r = check_levels(lv, q, now)
  if r[1] == 'SHORT' then
    for i = 1, #dues do expire_due_parts(dues[i], now, nowms) end
    cur, r = check_levels(lv, q, now)
  end
  if r[1] ~= 'OK' then return r end
  if checkOnly then return {'OK'} end
  local out = hold_levels(lv, mv, q, cur, id, now, expms, false)
  for i = 1, #dues do redis.call('ZADD', dues[i], expms, part) end
  for i = 1, #dues do redis.call('SADD', active_set(dues[i]), part) end
  redis.call('HSET', part, 'st', ST.HELD, 'exp', exp, 'id', id, 'lv', lines_of(lv), 'mv', lines_of(mv),
    'du', lines_of(dues), 'q', lines_of(q), 'ts', now, 'att', att)
  return out
end

-- Standalone lazy expiry, by SKU: the due set of each SKU of the reservation (members = merged
-- record keys, score = expiry ms) is scanned up to nowms (at most 100 entries per SKU) and each record
-- whose part is HELD and due is expired (apply_part expire_due, which also takes it out of the SKU
-- sets); holds of other SKUs are never looked at. Returns the smallest score >= nowms of those sets (a
-- lower bound of the expiry of every hold still pending on them), 'none' when none is pending, or nil
-- when a set had more due entries than one call scans.
local function expire_due_skus(dues, now, nowms)
  local nextDue, complete = nil, true
  for d = 1, #dues do
    local members = redis.call('ZRANGEBYSCORE', dues[d], '-inf', nowms, 'LIMIT', 0, 100)
    if #members >= 100 then complete = false end
    for i = 1, #members do
      local p = redis.call('HMGET', members[i], 'ps', 'exp')
      if p[1] == ST.HELD and p[2] <= now then
        apply_part(members[i], 'expire_due', now)
      elseif p[1] ~= ST.HELD then
        redis.call('ZREM', dues[d], members[i]) -- gone, or no longer held
      end
    end
    local nx = redis.call('ZRANGEBYSCORE', dues[d], nowms, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    if nx[2] then
      local sc = tonumber(nx[2])
      if nextDue == nil or sc < nextDue then nextDue = sc end
    end
  end
  if not complete then return nil end
  return nextDue or 'none'
end

-- The body of one standalone reservation (all lines on one server): header and its single part in
-- one hash, one due index entry. Reused by batch scripts: it writes nothing unless it answers OK.
-- h = header key, idx = its bucket's due index; per line lv (level), mv (movements), du (the due
-- set of the line's SKU), q (quantity); lines = the header's line encoding; ob = the outbox stream
-- of the header's bucket, ev = the STOCK_RESERVED event (JSON), appended on success only.
-- Success costs 9 commands for one line: HGET header, HMGET level, HSET level, RPUSH movement,
-- HSET reservation, ZADD due index, ZADD SKU due set, SADD SKU active set, XADD outbox. The level's 'ne' field (a lower bound of the expiry of the
-- holds on it; absent = unknown) lets a short reserve skip the expiry scan when nothing on the
-- level can be due; the success path keeps it a lower bound in the same HSET.
-- returns {'OK', oh, rs, v, cm per line} | {'EXISTS', field, value, ...} | {'UNKNOWN', ...} | {'SHORT', ...}
local function reserve_one(h, idx, lv, mv, du, q, id, now, exp, expms, nowms, lines, ob, ev)
  local st = redis.call('HGET', h, 'st')
  local att = 1
  if st then
    if st ~= ST.ABORTED then
      local all = redis.call('HGETALL', h)
      table.insert(all, 1, 'EXISTS')
      return all
    end
    att = tonumber(redis.call('HGET', h, 'att')) + 1
  end
  local dues = distinct(du)
  local cur, r = check_levels(lv, q, now)
  if r[1] == 'SHORT' then
    local scan = false
    for _, c in pairs(cur) do
      if c[1] and (not c[4] or (c[4] ~= 'none' and tonumber(c[4]) <= tonumber(nowms))) then scan = true end
    end
    if scan then
      -- the expiry reads and writes levels and indexes itself: the batch's buffered writes go
      -- first, and the rows it read are read again afterwards
      local batch = B
      if batch then
        batch_flush()
        B = nil
        batch.rows = {}
      end
      local nd = expire_due_skus(dues, now, nowms)
      B = batch
      cur, r = check_levels(lv, q, now)
      if nd ~= nil then
        for k, c in pairs(cur) do
          if c[1] then
            redis.call('HSET', k, 'ne', nd)
            c[4] = tostring(nd)
          end
        end
      end
    end
  end
  if r[1] ~= 'OK' then return r end
  local out = hold_levels(lv, mv, q, cur, id, now, expms, true)
  if att ~= 1 then redis.call('DEL', h) end
  redis.call('HSET', h, 'st', ST.HELD, 'id', id, 'lines', lines, 'exp', exp, 'cr', now, 'up', now, 'att', att,
    'ps', ST.HELD, 'lv', lines_of(lv), 'mv', lines_of(mv), 'du', idx, 'q', lines_of(q), 'ts', now,
    'sd', lines_of(dues))
  redis.call('ZADD', idx, expms, id)
  if B then
    for i = 1, #dues do buffer(B.zs, B.zOrder, dues[i], expms, h) end
    for i = 1, #dues do buffer(B.sets, B.setOrder, active_set(dues[i]), h) end
  else
    for i = 1, #dues do redis.call('ZADD', dues[i], expms, h) end
    for i = 1, #dues do redis.call('SADD', active_set(dues[i]), h) end
  end
  emit(ob, id, ev)
  return out
end
