--[[
  The snapshots of many checks the cache could not answer, in one call (batchCheck):
  check-10.lua run once per check, in order.

  KEYS: ten per check, as check-10.lua's.
  ARGV: per check, how many arguments it has, then those (as check-10.lua's ARGV).

  Returns one reply per check, as check-10.lua's.
]]
--- @include "checkSnapshot"
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
  replies[#replies + 1] = checkSnapshot(keys, args)
end
return replies
