-- Hot-SKU batch (standalone server only): N reservations applied in order by ONE script call, each
-- exactly as reserve_local.lua applies one alone. Redis.java prepends reserve_local.lua's body as
-- the function reserve_one(KEYS, ARGV), so a member sees its own KEYS / ARGV slices and gets its
-- own reply; whatever reserve_local does (idempotency on the header, all-or-nothing holds, the
-- movement, the due indexes) it does per member, and members see the levels earlier ones left.
-- ARGV[1] = member count; then per member: #keys, #args, its args; KEYS = the members' keys in order.
-- returns one reply per member applied; stops after a member answering 'ATTEMPT' (an aborted
-- earlier attempt: the caller runs that member on the general path, then the rest)
local m = tonumber(ARGV[1])
local out = {}
local ki, ai = 1, 2
for j = 1, m do
  local nk, na = tonumber(ARGV[ai]), tonumber(ARGV[ai + 1])
  ai = ai + 2
  local k, a = {}, {}
  for x = 1, nk do k[x] = KEYS[ki + x - 1] end
  for x = 1, na do a[x] = ARGV[ai + x - 1] end
  ki, ai = ki + nk, ai + na
  local r = reserve_one(k, a)
  out[j] = r
  if r[1] == 'ATTEMPT' then return out end
end
return out
