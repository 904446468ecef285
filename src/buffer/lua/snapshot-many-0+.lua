--[[
  The snapshots of many reads the cache could not answer, in one call (batchCheck):
  snapshot-10.lua run once per check, in order.

  KEYS: ten per check, as snapshot-10.lua's.
  ARGV: per check, how many arguments it has, then those (as snapshot-10.lua's ARGV).

  Returns one reply per check, as snapshot-10.lua's.
]]
--- @include "readSnapshot"
local replies, at = {}, 1
for k = 1, #KEYS, 10 do
  local n = tonumber(ARGV[at])
  local keys, args = {}, {}
  for i = 0, 9 do
    keys[i + 1] = KEYS[k + i]
  end
  for i = 1, n do
    args[i] = ARGV[at + i]
  end
  at = at + n + 1
  replies[#replies + 1] = readSnapshot(keys, args)
end
return replies
