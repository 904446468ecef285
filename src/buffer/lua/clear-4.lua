--[[
  Discards every pending operation (claimable or waiting on an in-flight
  one). In-flight batches are left alone: they are already being written,
  and where one holds a grant it is again the tuple's latest outstanding op.

  KEYS[1] pending   KEYS[2] queue   KEYS[3] count   KEYS[4] inflight
  ARGV[1] base key prefix
  Returns the number of operations discarded.
]]
local base = ARGV[1]
local tks = rcall('HKEYS', KEYS[1])
for _, tk in ipairs(tks) do
  local op = 'd'
  local batchId = rcall('HGET', KEYS[4], tk)
  if batchId then
    local rec = rcall('HGET', base .. 'b:' .. batchId, tk)
    if rec then
      op = string.sub(rec, 1, 1)
    end
  end
  trackGrant(base, tk, op)
end
rcall('DEL', KEYS[1], KEYS[2])
if #tks > 0 then
  -- Discarded grants may have produced cached derived "allowed" answers (as
  -- contextual tuples): invalidate those as a revoke would.
  rcall('SET', base .. 'epoch', rcall('INCR', base .. 'seq'))
end
rcall('HSET', KEYS[3], 'w', 0, 'd', 0)
return #tks
