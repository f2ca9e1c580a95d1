-- Standalone: finishes a transition decided on a header whose single part lives in the header hash
-- (a merged record, see reserve_one in lib.lua) in one step: the part operation and the header's
-- compare-and-set from the decided (intermediate) state to the final one, written by one HSET.
-- KEYS[1] = header, KEYS[2] = its bucket's due index, KEYS[3] = its bucket's done index (retention),
-- KEYS[4] = its bucket's outbox stream
-- ARGV: partOp, now, fromState, toState, indexScore ('-' removes the id from the due index), id,
--       event (JSON of reaching toState; appended when this call moves the header)
-- returns {'OK' | 'NOOP'} (part applied or unchanged; header moved) | {'STATE:<state>'} | {'MISSING'}
--       (part refused or gone: nothing written) | {'HEADER:<state>'} (header not in fromState: nothing written)
local h, due = KEYS[1], KEYS[2]
local op, now, from, to, score, id = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local r = apply_part(h, op, now, from, {'st', to, 'up', now})
if r == 'NOOP' then
  redis.call('HSET', h, 'st', to, 'up', now)
elseif r ~= 'OK' then
  return {r}
end
if score == '-' then
  redis.call('ZREM', due, id)
else
  redis.call('ZADD', due, score, id)
end
index_done(KEYS[3], id, to, now)
emit(KEYS[4], id, ARGV[7])
return {r}
