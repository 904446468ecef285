--[[
  Tuples whose in-flight op is gone (settled, or discarded by a clear): a
  newer op waiting in `pending` on one becomes claimable (queued at its
  position); a tuple with none is no longer outstanding and leaves the
  outstanding-op index, so reads no longer consider it.
]]
--- @include "callSliced"
--- @include "parseRecord"
--- @include "outstandingIndex"
local function releaseTuples(pendingKey, queueKey, prefix, tks)
  local waiting = callSliced('HMGET', pendingKey, tks, true)
  local claimable, done = {}, {}
  for j, tk in ipairs(tks) do
    if waiting[j] then
      local _, wseq = parseRecord(waiting[j])
      claimable[#claimable + 1] = wseq
      claimable[#claimable + 1] = tk
    else
      done[#done + 1] = tk
    end
  end
  if #claimable > 0 then
    callSliced('ZADD', queueKey, claimable)
  end
  if #done > 0 then
    indexOutstanding({ prefix = prefix }, done, false)
  end
end
