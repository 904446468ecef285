--[[
  Caches many answers in one call (batchCheck): populate-6.lua run once per answer.

  KEYS: six per answer, as populate-6.lua's.   ARGV: seven per answer, as populate-6.lua's.

  Returns how many were cached.
]]
--- @include "cacheAnswer"
local cached = 0
for k = 0, #KEYS / 6 - 1 do
  local keys, args = {}, {}
  for i = 1, 6 do
    keys[i] = KEYS[k * 6 + i]
  end
  for i = 1, 7 do
    args[i] = ARGV[k * 7 + i]
  end
  cached = cached + cacheAnswer(keys, args)
end
return cached
