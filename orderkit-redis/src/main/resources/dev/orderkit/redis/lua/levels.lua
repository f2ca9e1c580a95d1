-- Every level of one SKU in one step (instead of SMEMBERS and one read per location).
-- KEYS[1] = location set of the SKU; ARGV[1] = level key prefix of the SKU (P{s:SKU}:l:), the level
-- key being that prefix .. the escaped location (Codec.escape: % { } : -> %25 %7B %7D %3A); the
-- level hashes are undeclared keys of the same slot.
-- returns {location, oh, rs, v, ts, cm, pk, pl, pu, ...} (cm '0' for a level written before committed
-- was tracked; pk, pl, pu '' without a policy / without an end) (unordered; locations without a level are skipped)
local esc = {['%'] = '%25', ['{'] = '%7B', ['}'] = '%7D', [':'] = '%3A'}
local locs = redis.call('SMEMBERS', KEYS[1])
local out = {}
for i = 1, #locs do
  local l = redis.call('HMGET', ARGV[1] .. string.gsub(locs[i], '[%%{}:]', esc), 'oh', 'rs', 'v', 'ts', 'cm', 'pk', 'pl', 'pu')
  if l[1] then
    out[#out + 1] = locs[i]
    out[#out + 1] = l[1]
    out[#out + 1] = l[2]
    out[#out + 1] = l[3]
    out[#out + 1] = l[4]
    out[#out + 1] = l[5] or '0'
    out[#out + 1] = l[6] or ''
    out[#out + 1] = l[7] or ''
    out[#out + 1] = l[8] or ''
  end
end
return out
