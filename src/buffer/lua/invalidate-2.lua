--[[
  Write-through mode (enabled: false): ops go straight to OpenFGA, so only the
  cached answers they may change are invalidated, as enqueue would.

  KEYS[1] seq   KEYS[2] epoch
  ARGV[1] base key prefix   ARGV[2] lifetime of invalidation markers (ms)
  ARGV[3..] pairs of: op ('w' | 'd'), tuple key
  Returns the seq of the last op.
]]
local seq
for i = 3, #ARGV, 2 do
  seq = rcall('INCR', KEYS[1])
  if ARGV[i] == 'd' then
    rcall('SET', KEYS[2], seq)
  end
  markTouched(ARGV[1], ARGV[2], ARGV[i + 1], seq)
end
return seq
