-- Standalone: the whole reservation (header with its single part, see reserve_one in lib.lua) in
-- one atomic script.
-- KEYS[1] = header, KEYS[2] = its bucket's due index, then per line i:
--   KEYS[2i+1] = level, KEYS[2i+2] = movements
-- ARGV: id, now, expiresAt (time), expiresAt (ms), nowms, lines (header encoding), key prefix,
--   buckets, q1..qn
-- returns {'OK', oh, rs, v per line} | {'EXISTS', field, value, ...} | {'UNKNOWN', ...} | {'SHORT', ...}
local n = (#KEYS - 2) / 2
local lv, mv, q = {}, {}, {}
for i = 1, n do
  lv[i], mv[i], q[i] = KEYS[2 * i + 1], KEYS[2 * i + 2], ARGV[8 + i]
end
return reserve_one(KEYS[1], KEYS[2], lv, mv, q, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7],
  tonumber(ARGV[8]))
