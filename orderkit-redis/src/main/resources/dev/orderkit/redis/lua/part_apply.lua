-- Applies a transition to one reservation part (see apply_part in lib.lua).
-- KEYS[1] = part key; ARGV: op, now
-- returns 'OK' | 'NOOP' | 'MISSING' | 'STATE:<state>'
return apply_part(KEYS[1], ARGV[1], ARGV[2])
