--[[
  Takes or renews the change-feed lease: only one process polls at a time;
  when the holder dies its lease expires and another process takes over.

  KEYS[1] feed:lease
  ARGV[1] this process's id   ARGV[2] lease duration (ms)
  Returns 1 when this process holds the lease, else 0.
]]
local holder = rcall('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  rcall('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
