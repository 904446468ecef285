--[[
  Caches an answer fetched from OpenFGA, unless something that may change it
  was written after the snapshot taken (by check) before the OpenFGA call:
  compare and set on the generations. "Allowed" is also not cached while a
  revoke is outstanding (it may still take the access away).

  KEYS[1] cached answer   KEYS[2] object generation   KEYS[3] user generation
  KEYS[4] epoch   KEYS[5] count
  ARGV[1] object gen   ARGV[2] user gen   ARGV[3] epoch   (the snapshot)
  ARGV[4] allowed (0|1)   ARGV[5] time to live (ms)

  Returns 1 when cached, 0 when the snapshot was stale.
]]
local g = rcall('MGET', KEYS[2], KEYS[3], KEYS[4])
if (g[1] or '0') ~= ARGV[1] or (g[2] or '0') ~= ARGV[2] then
  return 0
end
if ARGV[4] == '1' then
  if (g[3] or '0') ~= ARGV[3] then
    return 0
  end
  local counts = rcall('HMGET', KEYS[5], 'd', 'fd')
  if (tonumber(counts[1]) or 0) + (tonumber(counts[2]) or 0) > 0 then
    return 0
  end
  rcall('SET', KEYS[1], 'y|' .. ARGV[1] .. '|' .. ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[5])
else
  rcall('SET', KEYS[1], 'n|' .. ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[5])
end
return 1
