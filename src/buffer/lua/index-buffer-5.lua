--[[
  Indexes every outstanding op once per store (see outstandingIndex.lua): a
  buffer written by a version without the index (an upgrade) becomes visible
  to checks that read only their relations' ops. Idempotent; afterwards one GET.

  KEYS[1] pending   KEYS[2] inflight   KEYS[3] indexed (marker)   KEYS[4] the store's key prefix
  KEYS[5] byuser
  Returns the number of ops indexed (0 when the store was indexed already).
]]
--- @include "outstandingIndex"
if rcall('GET', KEYS[3]) then
  return 0
end
local tks = rcall('HKEYS', KEYS[1])
for _, tk in ipairs(rcall('HKEYS', KEYS[2])) do
  tks[#tks + 1] = tk
end
indexOutstanding({ prefix = KEYS[4], byUser = KEYS[5] }, tks, true)
rcall('SET', KEYS[3], '1')
return #tks
