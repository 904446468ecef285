--[[
  Gives the change-feed lease up on shutdown, so another process takes over
  at once instead of after the lease expires. Only the holder may release it.

  KEYS[1] feed:lease
  ARGV[1] this process's id
  Returns 1 when released, else 0.
]]
if rcall('GET', KEYS[1]) == ARGV[1] then
  return rcall('DEL', KEYS[1])
end
return 0
