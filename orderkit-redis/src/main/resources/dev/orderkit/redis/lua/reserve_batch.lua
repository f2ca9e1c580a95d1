-- Hot-SKU batch (standalone server only): N reservations applied in order by ONE script call, each
-- exactly as reserve_local.lua applies one alone (both call reserve_one in lib.lua), so a member
-- gets its own reply; whatever reserve_one does (idempotency on the header, all-or-nothing holds,
-- the movements, the due indexes, lazy expiry when short) it does per member, and members see the
-- levels earlier ones left; each member that is held appends its own STOCK_RESERVED event. The
-- members' level writes, movements and SKU index entries are buffered and written once per key at
-- the end (B and batch_flush in lib.lua).
-- ARGV[1] = member count; then per member: #keys, #args, its args (as reserve_local.lua's ARGV);
-- KEYS = the members' keys in order (each as reserve_local.lua's KEYS).
-- returns one reply per member, as reserve_local.lua's
batch_begin()
local m = tonumber(ARGV[1])
local out = {}
local ki, ai = 1, 2
for j = 1, m do
  local nk, na = tonumber(ARGV[ai]), tonumber(ARGV[ai + 1])
  ai = ai + 2
  local n = (nk - 3) / 3
  local lv, mv, du, q = {}, {}, {}, {}
  for i = 1, n do
    lv[i], mv[i], du[i], q[i] = KEYS[ki + 3 * i], KEYS[ki + 3 * i + 1], KEYS[ki + 3 * i + 2], ARGV[ai + 6 + i]
  end
  out[j] = reserve_one(KEYS[ki], KEYS[ki + 1], lv, mv, du, q, ARGV[ai], ARGV[ai + 1], ARGV[ai + 2], ARGV[ai + 3],
    ARGV[ai + 4], ARGV[ai + 5], KEYS[ki + 2], ARGV[ai + 6])
  ki, ai = ki + nk, ai + na
end
batch_end()
return out
