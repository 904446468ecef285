--[[
  Caches an answer fetched from OpenFGA, unless something that may change it
  was written after the snapshot taken before the OpenFGA call (compare and set).

  KEYS[1] epoch   KEYS[2] count
  ARGV[1] base key prefix   ARGV[2] tuple key   ARGV[3] cache key suffix
  ARGV[4] object gen   ARGV[5] user gen   ARGV[6] epoch   ARGV[7] allowed (0|1)
  ARGV[8] time to live (ms)

  Returns 1 when cached, 0 when the snapshot was stale.
]]
local base, tk = ARGV[1], ARGV[2]
local user, _, object = tupleParts(tk)
local gens = rcall('MGET', base .. 'go:' .. object, base .. 'gu:' .. user, KEYS[1])
if (gens[1] or '0') ~= ARGV[4] or (gens[2] or '0') ~= ARGV[5] then
  return 0
end
if ARGV[7] == '1' then
  if (gens[3] or '0') ~= ARGV[6] then
    return 0
  end
  local counts = rcall('HMGET', KEYS[2], 'd', 'fd')
  if (tonumber(counts[1]) or 0) + (tonumber(counts[2]) or 0) > 0 then
    return 0
  end
end
rcall('SET', base .. ARGV[3], ARGV[7] .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '|' .. ARGV[6], 'PX', ARGV[8])
return 1
