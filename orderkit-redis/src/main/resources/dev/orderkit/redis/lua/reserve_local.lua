-- Standalone: the whole reservation (header with its single part, see reserve_one in lib.lua) in
-- one atomic script, with its STOCK_RESERVED event appended to the outbox stream of the header's bucket.
-- KEYS[1] = header, KEYS[2] = its bucket's due index, KEYS[3] = its bucket's outbox stream, then per line i:
--   KEYS[3i+1] = level, KEYS[3i+2] = movements, KEYS[3i+3] = due set of the line's SKU
-- ARGV: id, now, expiresAt (time), expiresAt (ms), nowms, lines (header encoding), event (JSON), q1..qn
-- returns {'OK', oh, rs, v, cm per line} | {'EXISTS', field, value, ...} | {'UNKNOWN', ...} | {'SHORT', ...}
local n = (#KEYS - 3) / 3
local lv, mv, du, q = {}, {}, {}, {}
for i = 1, n do
  lv[i], mv[i], du[i], q[i] = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3], ARGV[7 + i]
end
return reserve_one(KEYS[1], KEYS[2], lv, mv, du, q, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], KEYS[3],
  ARGV[7])
