-- Outbox delivery primitives of one outbox stream (RedisOutboxStore; the stock scripts append with
-- emit in lib.lua). The stream's entries are its PENDING events, in commit order (fields a =
-- aggregate id, e = event JSON). Side keys in the stream's slot (their names end the stream key):
--   KEYS[2] = claims hash: entry id -> 'token|claimUntilMs|attempts|nextAttemptMs|error' (only for
--             entries claimed or failed at least once; token '' = no claim)
--   KEYS[3] = sent zset: event id -> send ms (count and retention of SENT events)
--   KEYS[4] = dead hash: event id -> 'entryId|attempts|#error|#a|' .. error .. a .. e (lengths in bytes)
-- KEYS[1] = stream. ARGV[1] = op:
--   claim   nowms limit claimUntilMs token scanMax -> {entryId, attempts, error, eventJson, ...}
--           Scans the stream from its head (at most scanMax entries): an entry claimed by a live claim
--           or not yet due blocks the later entries of its aggregate; every other entry is claimed
--           (stamped with the token) until limit.
--   sent    entryId token nowms eventId                  -> 1 | 0 (claim lost: nothing written)
--   fail    entryId token attempts nextMs dead error eventId -> 1 | 0
--   unclaim entryId token                                -> 1 | 0
--   redrive eventId                                      -> 1 | 0 (no such dead letter)
--   purge   boundMs limit                                -> number of SENT events deleted (send ms < boundMs)
local stream, claims, sent, dead, op = KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1]

-- token, claimUntil (number), attempts, next (number), error of a claims record
local function parse(rec)
  local a = string.find(rec, '|', 1, true)
  local b = string.find(rec, '|', a + 1, true)
  local c = string.find(rec, '|', b + 1, true)
  local d = string.find(rec, '|', c + 1, true)
  return string.sub(rec, 1, a - 1), tonumber(string.sub(rec, a + 1, b - 1)), string.sub(rec, b + 1, c - 1),
    tonumber(string.sub(rec, c + 1, d - 1)), string.sub(rec, d + 1)
end

-- the claims record of an entry if it carries the token, else nil
local function claimed(id, token)
  if token == '' then return nil end
  local rec = redis.call('HGET', claims, id)
  if not rec then return nil end
  local t, _, n, nx, err = parse(rec)
  if t ~= token then return nil end
  return n, nx, err
end

local function fields(entry)
  local f, out = entry[2], {}
  for i = 1, #f, 2 do out[f[i]] = f[i + 1] end
  return out
end

if op == 'claim' then
  local now, limit, untilMs, token, scanMax = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5],
    tonumber(ARGV[6])
  local out, blocked, scanned, from, n = {}, {}, 0, '-', 0
  while scanned < scanMax and n < limit do
    local page = redis.call('XRANGE', stream, from, '+', 'COUNT', math.min(100, scanMax - scanned))
    if #page == 0 then break end
    local ids = {}
    for i = 1, #page do ids[i] = page[i][1] end
    local recs = redis.call('HMGET', claims, unpack(ids))
    for i = 1, #page do
      scanned = scanned + 1
      local id, f = page[i][1], fields(page[i])
      if not blocked[f.a] then
        local attempts, err = '0', ''
        local rec = recs[i]
        local free = true
        if rec then
          local t, cu, nn, nx, e = parse(rec)
          if (t ~= '' and cu > now) or nx > now then
            free = false
          end
          attempts, err = nn, e
        end
        if free then
          redis.call('HSET', claims, id, token .. '|' .. untilMs .. '|' .. attempts .. '|0|' .. err)
          out[#out + 1] = id
          out[#out + 1] = attempts
          out[#out + 1] = err
          out[#out + 1] = f.e
          n = n + 1
          if n >= limit then break end
        else
          blocked[f.a] = true
        end
      end
    end
    if #page < 100 then break end
    from = '(' .. page[#page][1] -- next page: strictly after the last id read
  end
  return out
elseif op == 'sent' then
  local id, token = ARGV[2], ARGV[3]
  if not claimed(id, token) then return 0 end
  redis.call('XDEL', stream, id)
  redis.call('HDEL', claims, id)
  redis.call('ZADD', sent, ARGV[4], ARGV[5])
  return 1
elseif op == 'fail' then
  local id, token = ARGV[2], ARGV[3]
  if not claimed(id, token) then return 0 end
  if ARGV[6] == '1' then
    local e = redis.call('XRANGE', stream, id, id)
    if #e == 0 then return 0 end
    local f = fields(e[1])
    local err = ARGV[7]
    redis.call('HSET', dead, ARGV[8], id .. '|' .. ARGV[4] .. '|' .. #err .. '|' .. #f.a .. '|' .. err .. f.a .. f.e)
    redis.call('XDEL', stream, id)
    redis.call('HDEL', claims, id)
  else
    redis.call('HSET', claims, id, '|0|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[7])
  end
  return 1
elseif op == 'unclaim' then
  local id, token = ARGV[2], ARGV[3]
  local n, nx, err = claimed(id, token)
  if not n then return 0 end
  if n == '0' and err == '' then
    redis.call('HDEL', claims, id)
  else
    redis.call('HSET', claims, id, '|0|' .. n .. '|' .. nx .. '|' .. err)
  end
  return 1
elseif op == 'redrive' then
  local rec = redis.call('HGET', dead, ARGV[2])
  if not rec then return 0 end
  local p = 0
  for _ = 1, 4 do p = string.find(rec, '|', p + 1, true) end
  local head = split(string.sub(rec, 1, p - 1), '|')
  local el, al = tonumber(head[3]), tonumber(head[4])
  local a = string.sub(rec, p + 1 + el, p + el + al)
  redis.call('XADD', stream, '*', 'a', a, 'e', string.sub(rec, p + 1 + el + al))
  redis.call('HDEL', dead, ARGV[2])
  return 1
elseif op == 'purge' then
  local victims = redis.call('ZRANGEBYSCORE', sent, '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
  if #victims > 0 then redis.call('ZREM', sent, unpack(victims)) end
  return #victims
end
return redis.error_reply('unknown outbox op ' .. tostring(op))
