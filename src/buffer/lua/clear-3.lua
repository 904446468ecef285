--[[
  Discards every pending operation (claimable or waiting on an in-flight
  one). In-flight batches are left alone: they are already being written.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count
  Returns the number of operations discarded.
]]
local n = rcall('HLEN', KEYS[1])
rcall('DEL', KEYS[1], KEYS[2])
rcall('HSET', KEYS[3], 'w', 0, 'd', 0)
return n
