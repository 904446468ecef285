--[[
  Discards every pending operation (claimable or waiting on an in-flight
  one). In-flight batches are left alone: they are already being written.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] seq   KEYS[5] epoch
  KEYS[6] inflight  KEYS[7] the store's key prefix (outstanding-op index)   KEYS[8] quiet (set to seq when nothing is left in flight)
  Returns the number of operations discarded.
]]
--- @include "callSliced"
--- @include "outstandingIndex"
--- @include "markQuiet"
local n = rcall('HLEN', KEYS[1])
if n > 0 then
  -- A discarded op whose tuple has nothing in flight is no longer outstanding.
  local tks = rcall('HKEYS', KEYS[1])
  local busy = callSliced('HMGET', KEYS[6], tks, true)
  local gone = {}
  for i, tk in ipairs(tks) do
    if not busy[i] then
      gone[#gone + 1] = tk
    end
  end
  indexOutstanding({ prefix = KEYS[7] }, gone, false)
end
rcall('UNLINK', KEYS[1], KEYS[2])
if n > 0 then
  -- Discarded grants may have produced cached derived "allowed" answers (as
  -- contextual tuples): invalidate those as a revoke would.
  rcall('SET', KEYS[5], rcall('INCR', KEYS[4]))
end
rcall('HSET', KEYS[3], 'w', 0, 'd', 0)
markQuiet(KEYS[3], KEYS[8], KEYS[4])
return n
