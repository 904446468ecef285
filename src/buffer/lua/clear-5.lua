--[[
  Discards every pending operation (claimable or waiting on an in-flight
  one). In-flight batches are left alone: they are already being written.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] seq   KEYS[5] epoch
  Returns the number of operations discarded.
]]
local n = rcall('HLEN', KEYS[1])
rcall('UNLINK', KEYS[1], KEYS[2])
if n > 0 then
  -- Discarded grants may have produced cached derived "allowed" answers (as
  -- contextual tuples): invalidate those as a revoke would.
  rcall('SET', KEYS[5], rcall('INCR', KEYS[4]))
end
rcall('HSET', KEYS[3], 'w', 0, 'd', 0)
return n
