-- Holds all lines of one reservation part (one slot) or none.
-- KEYS[1] = part key; then per line i: KEYS[3i-1] = level, KEYS[3i] = movements, KEYS[3i+1] = SKU due set
-- ARGV: id, now, expiresAt (time), expiresAt (epoch ms), checkOnly ('1' = only evaluate), nowms, attempt, q1..qn
-- returns {'OK', oh, rs, v, cm per line} (check mode: {'OK'}) | {'EXISTS', state} | {'UNKNOWN', lineIndex...}
--       | {'SHORT', lineIndex, available, ...}
local n = (#KEYS - 1) / 3
local lv, mv, du, q = {}, {}, {}, {}
for i = 1, n do
  lv[i], mv[i], du[i], q[i] = KEYS[3 * i - 1], KEYS[3 * i], KEYS[3 * i + 1], ARGV[7 + i]
end
return hold_part(KEYS[1], lv, mv, du, q, ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[6], ARGV[5] == '1', ARGV[7])
